//! The layers part of the engine's words in Korean: the output-size rule, the network's text form
//! and walk, the budget — exact texts, with the same numbers as in English.

use cnn_playground::i18n::Lang;
use cnn_playground::shapes::{output_size, pool_output_hw, walk_in, LayerSpec, Network, Shape};

#[test]
fn the_formula_error_and_its_advice_in_korean() {
    let e = output_size("width", 7, 3, 0, 3).unwrap_err();
    assert_eq!(
        e.to_string(),
        "width: (7 − 3 + 2·0)/3 + 1 = 2.33 is not a whole number: try stride 1 or 2, or pad 1"
    );
    assert_eq!(
        e.text(Lang::Ko),
        "너비: (7 − 3 + 2·0)/3 + 1 = 2.33은(는) 정수가 아닙니다: 스트라이드를 1 또는 2(으)로 하거나 패딩을 1(으)로 해 보세요"
    );
    // A pool has no pad to suggest; a zero stride names the stride.
    let e = pool_output_hw((5, 5), (2, 2), 2).unwrap_err();
    assert_eq!(
        e.text(Lang::Ko),
        "높이와 너비: (5 − 2 + 2·0)/2 + 1 = 2.50은(는) 정수가 아닙니다: 스트라이드를 1(으)로 해 보세요"
    );
    let e = output_size("height", 7, 3, 0, 0).unwrap_err();
    assert_eq!(e.to_string(), "the stride must be at least 1, got 0");
    assert_eq!(
        e.text(Lang::Ko),
        "스트라이드은(는) 1 이상이어야 하는데 0입니다"
    );
}

#[test]
fn the_parsers_errors_in_korean() {
    let e = "32x32x3: relu, conv3x3 pad1"
        .parse::<Network>()
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "layer 2: cannot read the layer \"conv3x3 pad1\": a conv layer is written conv<size>x<size>-<filters>, e.g. conv3x3-16"
    );
    assert_eq!(
        e.text(Lang::Ko),
        "2번째 층: 층 \"conv3x3 pad1\"을(를) 읽을 수 없습니다: 합성곱 층은 conv<size>x<size>-<filters>로 씁니다. 예: conv3x3-16"
    );
    let e = "32x32x3: pool2 stride2 stride1"
        .parse::<Network>()
        .unwrap_err();
    assert_eq!(
        e.text(Lang::Ko),
        "1번째 층: 층 \"pool2 stride2 stride1\"을(를) 읽을 수 없습니다: stride이(가) 두 번 주어졌습니다"
    );
    let e = "32x32: fc5".parse::<Network>().unwrap_err();
    assert_eq!(
        e.text(Lang::Ko),
        "입력 \"32x32\"을(를) 읽을 수 없습니다: 높이 x 너비 x 채널을 정수로 씁니다. 예: 32x32x3"
    );
}

#[test]
fn the_walks_failing_layer_and_formulas_in_the_pages_language() {
    let layers = [
        LayerSpec::Conv {
            filters: 4,
            size: 3,
            stride: 1,
            pad: 0,
        },
        LayerSpec::Conv {
            filters: 4,
            size: 3,
            stride: 3,
            pad: 0,
        },
    ];
    let input = Shape::new(3, 9, 10);
    let en = walk_in(input, &layers, Lang::En).unwrap();
    let ko = walk_in(input, &layers, Lang::Ko).unwrap();
    assert_eq!(
        en.rows[0].formula.as_deref(),
        Some("height (9 − 3 + 2·0)/1 + 1 = 7, width (10 − 3 + 2·0)/1 + 1 = 8")
    );
    assert_eq!(
        ko.rows[0].formula.as_deref(),
        Some("높이 (9 − 3 + 2·0)/1 + 1 = 7, 너비 (10 − 3 + 2·0)/1 + 1 = 8")
    );
    let (en_error, ko_error) = (en.error.unwrap(), ko.error.unwrap());
    assert_eq!(
        en_error.message,
        "height: (7 − 3 + 2·0)/3 + 1 = 2.33 is not a whole number: try stride 1 or 2, or pad 1; \
         width: (8 − 3 + 2·0)/3 + 1 = 2.67 is not a whole number: try stride 1, or pad 2"
    );
    assert_eq!(
        ko_error.message,
        "높이: (7 − 3 + 2·0)/3 + 1 = 2.33은(는) 정수가 아닙니다: 스트라이드를 1 또는 2(으)로 하거나 패딩을 1(으)로 해 보세요; \
         그리고 너비: (8 − 3 + 2·0)/3 + 1 = 2.67은(는) 정수가 아닙니다: 스트라이드를 1(으)로 하거나 패딩을 2(으)로 해 보세요"
    );
}

#[test]
fn a_budget_error_in_korean() {
    use cnn_playground::layers::{conv_forward_naive, ConvParam};
    use ndarray::{Array1, Array4};
    // The lecture's example of a pad far too large for memory: a 20 002 × 20 002 output.
    let x = Array4::<f32>::ones((1, 1, 4, 4));
    let w = Array4::<f32>::ones((1, 1, 3, 3));
    let b = Array1::<f32>::zeros(1);
    let p = ConvParam {
        stride: 1,
        pad: 10_000,
    };
    let e = conv_forward_naive(&x, &w, &b, p).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the conv output (1×1×20002×20002 values) would need 1.49 GiB; the engine's limit is 1 GiB"
    );
    assert_eq!(
        e.text(Lang::Ko),
        "합성곱 출력 (값 1×1×20002×20002개)에 1.49 GiB가 필요합니다. 엔진의 한도는 1 GiB입니다"
    );
    // Bytes below a KiB are written in the language's word.
    assert_eq!(
        cnn_playground::budget::bytes_message(512).text(Lang::Ko),
        "512바이트"
    );
    assert_eq!(
        cnn_playground::budget::bytes_message(512).text(Lang::En),
        "512 bytes"
    );
}

#[test]
fn a_dataset_error_in_korean() {
    let e = cnn_playground::data::figures::check_side(3).unwrap_err();
    assert_eq!(
        e.to_string(),
        "figures are drawn at 8×8 to 128×128 pixels, not 3×3"
    );
    assert_eq!(
        e.text(Lang::Ko),
        "도형은 8×8부터 128×128 픽셀까지 그릴 수 있습니다. 3×3은(는) 안 됩니다"
    );
}
