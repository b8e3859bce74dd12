//! The engine's words in Korean (한국어): the same keys as `en.rs`, each with the same `{name}`
//! holes. Terms are those of the course's Korean materials (필터, 스트라이드, 패딩, 합성곱, 풀링,
//! 활성화 맵, 역전파, 과적합 …); symbols of formulas stay as they are.

pub const TEXTS: &[(&str, &str)] = &[
    ("untranslated", "{text}"),
    ("example.filters", "{side} 필터 {count}개"),
    ("axis.height", "높이"),
    ("axis.width", "너비"),
    ("axis.both", "높이와 너비"),
    ("axis.size", "크기"),
    ("error.shape_mismatch", "{context}의 shape(모양)이 맞지 않습니다: {expected}이어야 하는데 {got}입니다"),
    ("error.not_whole", "{axis}: ({input} − {filter} + 2·{pad})/{stride} + 1 = {value}은(는) 정수가 아닙니다: {suggestion}"),
    ("error.filter_too_large", "{axis}: 크기 {filter}의 필터가 양쪽에 {pad}씩 패딩한 크기 {input}의 입력(모두 {padded})에 들어가지 않습니다"),
    ("error.window_too_large", "{axis}: 크기 {window}의 풀링 창이 크기 {input}의 입력에 들어가지 않습니다"),
    ("error.zero", "{what}은(는) 1 이상이어야 하는데 0입니다"),
    ("error.empty_batch", "{context}: 배치가 비어 있습니다 (N = 0)"),
    ("error.label_out_of_range", "위치 {index}의 레이블 {label}이(가) 범위를 벗어났습니다: 클래스는 {classes}개입니다 (0부터 {max}까지)"),
    ("error.invalid_hyperparameter", "{name} = {value}은(는) 쓸 수 없습니다: {reason}"),
    ("error.model_file", "모델을 불러올 수 없습니다: {why}"),
    ("error.over_budget", "{what}에 {needed}가 필요합니다. 엔진의 한도는 {limit}입니다"),
    ("error.too_much_work", "{what}은(는) 한 스텝에 곱셈-덧셈 {needed}번이 필요합니다. 엔진의 한도는 {limit}번(브라우저에서 몇 초)입니다: {fix}"),
    ("error.diverged", "반복 {iteration}에서 학습이 발산했습니다: 손실이 {loss}입니다. 더 낮은 학습률을 써 보세요 (예: {suggested_lr})"),
    ("error.diverged_at_start", "반복 1에서 학습이 발산했습니다: 업데이트 전부터 손실이 {loss}이므로 학습률은 원인이 아닙니다: {cause}"),
];
