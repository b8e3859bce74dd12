//! The models', the model file's, the trainer's and the Lab's words in Korean: the same numbers
//! as the English (which the other tests assert unchanged), every sentence from the catalog.

mod common;
use cnn_playground::i18n::Lang;
use cnn_playground::lab::{GradCheckJob, GradCheckSettings, LabLayer};
use cnn_playground::models::{ConvNetConfig, Sequential, SequentialConfig, ThreeLayerConvNet};
use cnn_playground::trainer::{DataSources, NetworkPreset, Trainer};
use cnn_playground::Error;
use common::small_trainer_settings as small;

fn hangul(text: &str) -> bool {
    text.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c))
}

fn three_layer() -> ThreeLayerConvNet<f32> {
    ThreeLayerConvNet::new(ConvNetConfig {
        input_dim: (1, 8, 8),
        num_filters: 2,
        filter_size: 3,
        hidden_dim: 4,
        num_classes: 3,
        ..ConvNetConfig::default()
    })
    .unwrap()
}

#[test]
fn a_truncated_model_file_is_explained_in_korean_with_the_same_numbers() {
    let bytes = three_layer().to_bytes();
    let e = ThreeLayerConvNet::<f32>::from_bytes(&bytes[..100]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot load the model: the file is truncated: it ends after 100 bytes, in the middle of \
         the array W1 (was the download cut short?)"
    );
    assert_eq!(
        e.text(Lang::Ko),
        "모델을 불러올 수 없습니다: 파일이 잘렸습니다: 100바이트에서 배열 W1 도중에 끝납니다 \
         (다운로드가 중간에 끊기지 않았나요?)"
    );
}

#[test]
fn every_refusal_of_a_broken_model_file_reads_in_korean() {
    // Every cut of a designed network's file, a flipped byte in each place, and a few whole
    // files that are not models: each refusal's reason (after the common opening) is Korean.
    let network = "8x8x1: conv3x3-2 pad1, bn, relu, pool2, fc3"
        .parse()
        .unwrap();
    let model = Sequential::<f32>::new(SequentialConfig::new(network, 3)).unwrap();
    let good = model.to_bytes();
    let mut files: Vec<Vec<u8>> = (0..good.len()).map(|n| good[..n].to_vec()).collect();
    for i in 0..good.len() {
        let mut f = good.clone();
        f[i] ^= 0x5A;
        files.push(f);
    }
    let mut longer = good.clone();
    longer.push(0);
    files.push(longer);
    files.push(three_layer().to_bytes());
    let mut refused = 0;
    for f in &files {
        let Err(e) = Sequential::<f32>::from_bytes(f) else {
            continue;
        };
        refused += 1;
        assert!(matches!(e, Error::ModelFile(_)), "{e}");
        let ko = e.text(Lang::Ko);
        let why = ko
            .strip_prefix("모델을 불러올 수 없습니다: ")
            .unwrap_or_else(|| panic!("{ko}"));
        assert!(hangul(why), "{ko}");
        assert_ne!(ko, e.to_string());
    }
    // Every cut and the extra byte are refused; a flipped byte always fails at least the checksum.
    assert_eq!(refused, files.len());
}

#[test]
fn a_three_layer_file_loaded_as_a_designed_network_says_which_it_is() {
    let e = Sequential::<f32>::from_bytes(&three_layer().to_bytes()).unwrap_err();
    assert_eq!(
        e.text(Lang::Ko),
        "모델을 불러올 수 없습니다: 이 파일에는 표에서 설계한 네트워크가 아니라 과제의 3층 합성곱 \
         신경망(형식 버전 1)이 들어 있습니다: 3층 합성곱 신경망으로 불러오세요"
    );
}

#[test]
fn a_network_that_does_not_fit_the_dataset_is_refused_in_korean() {
    let (data, mut run) = small();
    run.network = "16x16x1: conv3x3-4 pad1, relu, pool2, fc5".into();
    let Err(e) = Trainer::new(&data, DataSources::default(), &run) else {
        panic!("a 16×16×1 network on 16×16×3 figures is refused");
    };
    assert_eq!(
        e.to_string(),
        "the network takes 16×16×1 images, but the dataset's are 16×16×3: choose the dataset and \
         image size it was made for, or start its text at the first layer to train it on the \
         dataset's images"
    );
    assert_eq!(
        e.text(Lang::Ko),
        "네트워크는 16×16×1 이미지를 받지만 데이터셋의 이미지는 16×16×3입니다: 네트워크를 만들 때의 \
         데이터셋과 이미지 크기를 고르거나, 텍스트를 첫 층부터 시작해 데이터셋의 이미지로 학습하세요"
    );
}

#[test]
fn a_model_for_other_images_is_refused_on_import_in_korean() {
    let (data, run) = small();
    let mut t = Trainer::new(&data, DataSources::default(), &run).unwrap();
    let e = t.import(&three_layer().to_bytes()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot load the model: this model takes 8×8×1 images in 3 classes, but the current \
         dataset has 16×16×3 images in 5 classes: choose the dataset and image size it was \
         trained on, then import it again"
    );
    assert_eq!(
        e.text(Lang::Ko),
        "모델을 불러올 수 없습니다: 이 모델은 클래스 3개의 8×8×1 이미지를 받지만 현재 데이터셋은 \
         클래스 5개의 16×16×3 이미지입니다: 모델을 학습시킨 데이터셋과 이미지 크기를 고른 뒤 다시 \
         가져오세요"
    );
}

#[test]
fn divergence_keeps_its_error_so_the_page_reads_it_in_korean() {
    let (data, mut run) = small();
    run.weight_scale = 1e20;
    let mut t = Trainer::new(&data, DataSources::default(), &run).unwrap();
    let e = t
        .step(5)
        .unwrap()
        .diverged
        .expect("a weight scale of 1e20 overflows");
    assert_eq!(
        e.to_string(),
        "training diverged at iteration 1: the loss is NaN before any update, so the learning \
         rate is not the cause: the starting weights (weight scale 1e20) make the class scores \
         overflow: use a smaller weight scale, for example 1e-2"
    );
    assert_eq!(
        e.text(Lang::Ko),
        "반복 1에서 학습이 발산했습니다: 업데이트 전부터 손실이 NaN이므로 학습률은 원인이 아닙니다: \
         시작 가중치(가중치 스케일 1e20) 때문에 클래스 점수가 넘칩니다: 더 작은 가중치 스케일을 쓰세요 \
         (예: 1e-2)"
    );
}

#[test]
fn the_ready_made_networks_are_named_in_both_languages() {
    let labels: Vec<(String, String)> = NetworkPreset::ALL
        .into_iter()
        .map(|p| (p.label().text(Lang::En), p.label().text(Lang::Ko)))
        .collect();
    assert_eq!(
        labels,
        [
            (
                "Assignment's three-layer net (figures)",
                "과제의 3층 신경망 (기하 도형)"
            ),
            (
                "Lecture 5: [CONV-RELU-CONV-RELU-POOL]×3 → FC → 5 (figures 32×32)",
                "5강: [CONV-RELU-CONV-RELU-POOL]×3 → FC → 5 (기하 도형 32×32)"
            ),
            (
                "LeNet-like (digits 16×16)",
                "LeNet 비슷한 신경망 (손글씨 숫자 16×16)"
            ),
        ]
        .map(|(en, ko)| (en.to_string(), ko.to_string()))
    );
}

#[test]
fn the_labs_note_and_layer_names_are_written_in_the_reports_language() {
    let settings = GradCheckSettings {
        network: "8x8x2: conv3x3-3 pad1, bn, relu, pool2, fc4".into(),
        n: 3,
        ..GradCheckSettings::for_layer(LabLayer::Designed)
    };
    let mut job = GradCheckJob::new(&settings).unwrap();
    while !job.step(usize::MAX) {}
    let en = job.report().unwrap();
    let ko = job.report_in(Lang::Ko).unwrap();
    // The numbers are the same report's.
    assert_eq!(en.gradients[1].rel_error, ko.gradients[1].rel_error);
    assert_eq!(
        ko.gradients[1].note.as_deref(),
        Some(
            "b1은(는) 배치 정규화(층 2) 바로 앞에서 더해지는데, 배치 정규화는 채널마다 배치 평균을 \
             빼므로 b1도 함께 빠집니다: 손실은 b1에 의존하지 않으므로 참 그래디언트는 0이고 두 값 \
             모두 반올림 잡음입니다. 여기서 상대 오차는 의미가 없습니다 (식이 적어도 1e-8로 \
             나눕니다). 배치 정규화가 뒤따르는 층은 편향(bias)을 빼도 됩니다."
        )
    );
    let layers = |r: &cnn_playground::lab::GradCheckReport| -> Vec<Option<String>> {
        r.kinks
            .as_ref()
            .expect("a designed network's kinks are watched")
            .sites
            .iter()
            .map(|s| s.layer.clone())
            .collect()
    };
    assert_eq!(
        layers(&en),
        [
            Some("layer 3 (relu)".to_string()),
            Some("layer 4 (pool2)".to_string())
        ]
    );
    assert_eq!(
        layers(&ko),
        [
            Some("층 3 (relu)".to_string()),
            Some("층 4 (pool2)".to_string())
        ]
    );
}
