//! The output-size arithmetic of the lecture, and the network walk.

use cnn_playground::error::Error;
use cnn_playground::shapes::{
    formula, output_size, valid_pads, valid_strides, walk, LayerSpec, Network, Shape, MAX_COUNT,
};

fn conv(filters: usize, size: usize, stride: usize, pad: usize) -> LayerSpec {
    LayerSpec::Conv {
        filters,
        size,
        stride,
        pad,
    }
}

// ------------------------------------------------------------------------------------------------
// output_size: the lecture's examples
// ------------------------------------------------------------------------------------------------

#[test]
fn seven_by_seven_with_three_by_three_stride_one_gives_five() {
    assert_eq!(output_size("width", 7, 3, 0, 1), Ok(5));
}

#[test]
fn seven_by_seven_with_three_by_three_stride_two_gives_three() {
    assert_eq!(output_size("width", 7, 3, 0, 2), Ok(3));
}

#[test]
fn stride_three_on_seven_is_not_whole_and_suggests_fixes() {
    let err = output_size("width", 7, 3, 0, 3).unwrap_err();
    assert_eq!(
        err.to_string(),
        "width: (7 − 3 + 2·0)/3 + 1 = 2.33 is not a whole number: try stride 1 or 2, or pad 1"
    );
    // The suggestions really work.
    assert_eq!(output_size("width", 7, 3, 1, 3), Ok(3));
    assert_eq!(valid_strides(7, 3, 0), vec![1, 2, 4]);
    assert_eq!(valid_pads(7, 3, 3), vec![1]);
}

#[test]
fn padding_four_by_four_by_one_keeps_a_three_by_three_filter_at_four() {
    assert_eq!(output_size("height", 4, 3, 1, 1), Ok(4));
    assert_eq!(formula(4, 3, 1, 1), "(4 − 3 + 2·1)/1 + 1 = 4");
}

#[test]
fn filter_larger_than_padded_input_is_an_error() {
    let err = output_size("height", 2, 5, 1, 1).unwrap_err();
    assert!(matches!(err, Error::FilterTooLarge { padded: 4, .. }));
    assert_eq!(
        err.to_string(),
        "height: a filter of size 5 does not fit in an input of size 2 padded by 1 on each side (4 in all)"
    );
}

#[test]
fn zero_stride_and_zero_sizes_are_errors() {
    assert_eq!(
        output_size("width", 7, 3, 0, 0).unwrap_err().to_string(),
        "the stride must be at least 1, got 0"
    );
    assert_eq!(
        output_size("width", 7, 0, 0, 1).unwrap_err().to_string(),
        "the filter width must be at least 1, got 0"
    );
    assert_eq!(
        output_size("width", 0, 3, 1, 1).unwrap_err().to_string(),
        "the input width must be at least 1, got 0"
    );
}

#[test]
fn formula_shows_fractions_and_impossible_cases() {
    assert_eq!(formula(7, 3, 0, 3), "(7 − 3 + 2·0)/3 + 1 = 2.33");
    assert_eq!(
        formula(7, 3, 0, 0),
        "(7 − 3 + 2·0)/0 + 1: the stride must be at least 1"
    );
    assert_eq!(
        formula(2, 5, 1, 1),
        "(2 − 5 + 2·1)/1 + 1: the filter is larger than the padded input"
    );
}

// ------------------------------------------------------------------------------------------------
// The walk
// ------------------------------------------------------------------------------------------------

#[test]
fn six_five_by_five_filters_on_32x32x3_give_28x28x6_and_456_params() {
    let report = walk(Shape::new(3, 32, 32), &[conv(6, 5, 1, 0)]).unwrap();
    assert!(report.error.is_none());
    let row = &report.rows[0];
    assert_eq!(row.output, Shape::new(6, 28, 28));
    assert_eq!(row.output.to_string(), "28×28×6");
    assert_eq!(row.weights, 6 * 5 * 5 * 3);
    assert_eq!(row.biases, 6);
    assert_eq!(row.params, 456);
    assert_eq!(row.macs, 6 * 28 * 28 * 75);
    assert_eq!(row.activations, 28 * 28 * 6);
    assert_eq!(row.bytes, 28 * 28 * 6 * 4);
    assert_eq!(row.formula.as_deref(), Some("(32 − 5 + 2·0)/1 + 1 = 28"));
}

#[test]
fn seven_by_seven_walks_to_five_and_three_and_fails_at_stride_three() {
    let input = Shape::new(1, 7, 7);
    let five = walk(input, &[conv(1, 3, 1, 0)]).unwrap();
    assert_eq!(five.rows[0].output, Shape::new(1, 5, 5));
    let three = walk(input, &[conv(1, 3, 2, 0)]).unwrap();
    assert_eq!(three.rows[0].output, Shape::new(1, 3, 3));

    let bad = walk(input, &[LayerSpec::Relu, conv(1, 3, 3, 0), LayerSpec::Relu]).unwrap();
    assert_eq!(bad.rows.len(), 1, "the ReLU before the bad layer is kept");
    let error = bad.error.expect("stride 3 must fail");
    assert_eq!(error.index, 1);
    assert_eq!(error.label, "conv3x3-1 stride3");
    assert_eq!(error.input, input);
    // Height and width fail in the same way: one message names both.
    assert_eq!(
        error.message,
        "height and width: (7 − 3 + 2·0)/3 + 1 = 2.33 is not a whole number: try stride 1 or 2, or pad 1"
    );
    assert_eq!(
        error.to_string(),
        "layer 1 (conv3x3-1 stride3) on 7×7×1: height and width: (7 − 3 + 2·0)/3 + 1 = 2.33 is not a whole number: try stride 1 or 2, or pad 1"
    );
    assert_eq!(bad.summary.output, input);
}

#[test]
fn non_square_input_names_the_axis_that_fails() {
    let report = walk(Shape::new(1, 7, 8), &[conv(1, 3, 2, 0)]).unwrap();
    let error = report.error.unwrap();
    assert!(
        error
            .message
            .starts_with("width: (8 − 3 + 2·0)/2 + 1 = 3.50 is not a whole number"),
        "{}",
        error.message
    );
    let ok = walk(Shape::new(2, 7, 9), &[conv(4, 3, 2, 0)]).unwrap();
    assert_eq!(ok.rows[0].output, Shape::new(4, 3, 4));
    assert_eq!(
        ok.rows[0].formula.as_deref(),
        Some("height (7 − 3 + 2·0)/2 + 1 = 3, width (9 − 3 + 2·0)/2 + 1 = 4")
    );
}

#[test]
fn walk_errors_on_bad_layers() {
    let input = Shape::new(3, 4, 4);
    let message = |layer: LayerSpec| walk(input, &[layer]).unwrap().error.unwrap().message;
    assert_eq!(
        message(conv(2, 7, 1, 1)),
        "height and width: a filter of size 7 does not fit in an input of size 4 padded by 1 on each side (6 in all)"
    );
    assert_eq!(
        message(conv(2, 3, 0, 1)),
        "the stride must be at least 1, got 0"
    );
    assert_eq!(
        message(conv(0, 3, 1, 1)),
        "the number of filters must be at least 1, got 0"
    );
    assert_eq!(
        message(LayerSpec::Pool { size: 0, stride: 2 }),
        "the pool window height and width must be at least 1, got 0"
    );
    assert_eq!(
        message(LayerSpec::Pool { size: 3, stride: 2 }),
        "height and width: (4 − 3 + 2·0)/2 + 1 = 1.50 is not a whole number: try stride 1"
    );
    // A conv layer could be fixed by padding; a pool layer has none, so only strides are offered.
    assert_eq!(
        message(conv(1, 3, 3, 0)),
        "height and width: (4 − 3 + 2·0)/3 + 1 = 1.33 is not a whole number: try stride 1, or pad 1"
    );
    assert_eq!(
        message(LayerSpec::Pool { size: 3, stride: 3 }),
        "height and width: (4 − 3 + 2·0)/3 + 1 = 1.33 is not a whole number: try stride 1"
    );
    assert_eq!(
        message(LayerSpec::Fc { outputs: 0 }),
        "the number of outputs must be at least 1, got 0"
    );
}

#[test]
fn zero_input_is_an_error() {
    assert_eq!(
        walk(Shape::new(3, 0, 32), &[]).unwrap_err().to_string(),
        "the input height must be at least 1, got 0"
    );
}

#[test]
fn counts_too_large_for_javascript_are_refused_not_wrapped() {
    let huge = 1usize << 20;
    let report = walk(
        Shape::new(huge, huge, 1),
        &[LayerSpec::Fc { outputs: huge }],
    )
    .unwrap();
    let error = report.error.unwrap();
    assert_eq!(error.index, 0);
    assert_eq!(
        error.message,
        format!(
            "fc{huge} has too many weights to count exactly (more than 2^53 − 1 = {MAX_COUNT})"
        )
    );
    let input = walk(Shape::new(huge, huge, huge), &[]).unwrap_err();
    assert!(input.to_string().contains("too many values"), "{input}");
}

/// The lecture network with 3×3/pad 1/stride 1 convs of 16, 32, 64 filters; every row by hand.
#[test]
fn lecture_network_rows_and_totals() {
    let report = Network::lecture().walk().unwrap();
    assert!(report.error.is_none());
    // (label, output (C, H, W), params, macs)
    type Row = (&'static str, (usize, usize, usize), u64, u64);
    let expected: [Row; 16] = [
        (
            "conv3x3-16 pad1",
            (16, 32, 32),
            16 * (3 * 9 + 1),
            16 * 32 * 32 * 3 * 9,
        ),
        ("relu", (16, 32, 32), 0, 0),
        (
            "conv3x3-16 pad1",
            (16, 32, 32),
            16 * (16 * 9 + 1),
            16 * 32 * 32 * 16 * 9,
        ),
        ("relu", (16, 32, 32), 0, 0),
        ("pool2", (16, 16, 16), 0, 0),
        (
            "conv3x3-32 pad1",
            (32, 16, 16),
            32 * (16 * 9 + 1),
            32 * 16 * 16 * 16 * 9,
        ),
        ("relu", (32, 16, 16), 0, 0),
        (
            "conv3x3-32 pad1",
            (32, 16, 16),
            32 * (32 * 9 + 1),
            32 * 16 * 16 * 32 * 9,
        ),
        ("relu", (32, 16, 16), 0, 0),
        ("pool2", (32, 8, 8), 0, 0),
        (
            "conv3x3-64 pad1",
            (64, 8, 8),
            64 * (32 * 9 + 1),
            64 * 8 * 8 * 32 * 9,
        ),
        ("relu", (64, 8, 8), 0, 0),
        (
            "conv3x3-64 pad1",
            (64, 8, 8),
            64 * (64 * 9 + 1),
            64 * 8 * 8 * 64 * 9,
        ),
        ("relu", (64, 8, 8), 0, 0),
        ("pool2", (64, 4, 4), 0, 0),
        ("fc5", (5, 1, 1), 5 * (1024 + 1), 5 * 1024),
    ];
    assert_eq!(report.rows.len(), expected.len());
    for (row, &(label, (c, h, w), params, macs)) in report.rows.iter().zip(&expected) {
        assert_eq!(row.label, label, "layer {}", row.index);
        assert_eq!(
            row.output,
            Shape::new(c, h, w),
            "layer {} ({label})",
            row.index
        );
        assert_eq!(row.params, params, "layer {} ({label})", row.index);
        assert_eq!(row.macs, macs, "layer {} ({label})", row.index);
        assert_eq!(
            row.activations,
            (c * h * w) as u64,
            "layer {} ({label})",
            row.index
        );
        assert_eq!(
            row.bytes,
            4 * (c * h * w) as u64,
            "layer {} ({label})",
            row.index
        );
    }
    // The same numbers written out, so a reader can check the sums.
    let params = [
        448, 0, 2320, 0, 0, 4640, 0, 9248, 0, 0, 18496, 0, 36928, 0, 0, 5125,
    ];
    let macs = [
        442_368, 0, 2_359_296, 0, 0, 1_179_648, 0, 2_359_296, 0, 0, 1_179_648, 0, 2_359_296, 0, 0,
        5120,
    ];
    assert_eq!(
        report.rows.iter().map(|r| r.params).collect::<Vec<_>>(),
        params
    );
    assert_eq!(report.rows.iter().map(|r| r.macs).collect::<Vec<_>>(), macs);
    assert_eq!(report.summary.params, 77_205);
    assert_eq!(report.summary.macs, 9_884_672);
    let activations = 4 * 16 * 32 * 32
        + 16 * 16 * 16
        + 4 * 32 * 16 * 16
        + 32 * 8 * 8
        + 4 * 64 * 8 * 8
        + 64 * 4 * 4
        + 5;
    assert_eq!(report.summary.activations, activations);
    assert_eq!(report.summary.bytes, 4 * activations);
    assert_eq!(report.summary.output, Shape::new(5, 1, 1));
}

#[test]
fn fully_connected_comparison_on_32x32x3() {
    let fc = Network::lecture().walk().unwrap().summary.fc;
    assert_eq!(fc.input_values, 3072);
    assert_eq!(fc.weights_per_neuron, 3072);
    assert_eq!(fc.conv_weights_per_filter, Some(27));
    let same = fc.same_outputs.unwrap();
    assert_eq!(same.conv_index, 0);
    assert_eq!(same.outputs, 16 * 32 * 32);
    assert_eq!(same.conv_params, 448);
    assert_eq!(same.conv_macs, 442_368);
    assert_eq!(same.fc_weights, 3072 * 16_384);
    assert_eq!(same.fc_weights, 50_331_648);
    assert_eq!(same.fc_params, 50_348_032);
    assert_eq!(same.fc_macs, 50_331_648);

    // Without a conv layer there is only the per-neuron figure.
    let fc_only = walk(Shape::new(3, 32, 32), &[LayerSpec::Fc { outputs: 10 }])
        .unwrap()
        .summary
        .fc;
    assert_eq!(fc_only.weights_per_neuron, 3072);
    assert_eq!(fc_only.conv_weights_per_filter, None);
    assert_eq!(fc_only.same_outputs, None);
}

// ------------------------------------------------------------------------------------------------
// Compact text form and serialisation
// ------------------------------------------------------------------------------------------------

#[test]
fn lecture_network_as_text_round_trips() {
    let text = Network::lecture().to_string();
    assert_eq!(
        text,
        "32x32x3: conv3x3-16 pad1, relu, conv3x3-16 pad1, relu, pool2, \
         conv3x3-32 pad1, relu, conv3x3-32 pad1, relu, pool2, \
         conv3x3-64 pad1, relu, conv3x3-64 pad1, relu, pool2, fc5"
    );
    assert_eq!(text.parse::<Network>(), Ok(Network::lecture()));
}

#[test]
fn layers_parse_with_settings_in_any_order_and_any_case() {
    assert_eq!("conv5x5-6".parse::<LayerSpec>(), Ok(conv(6, 5, 1, 0)));
    assert_eq!(
        " CONV3x3-8  pad2 stride2 ".parse::<LayerSpec>(),
        Ok(conv(8, 3, 2, 2))
    );
    assert_eq!(
        "pool3 stride2".parse::<LayerSpec>(),
        Ok(LayerSpec::Pool { size: 3, stride: 2 })
    );
    assert_eq!(
        "pool2".parse::<LayerSpec>(),
        Ok(LayerSpec::Pool { size: 2, stride: 2 })
    );
    assert_eq!("relu".parse::<LayerSpec>(), Ok(LayerSpec::Relu));
    assert_eq!(
        "fc10".parse::<LayerSpec>(),
        Ok(LayerSpec::Fc { outputs: 10 })
    );
    assert_eq!(conv(8, 3, 2, 2).to_string(), "conv3x3-8 stride2 pad2");
    assert_eq!(
        LayerSpec::Pool { size: 3, stride: 2 }.to_string(),
        "pool3 stride2"
    );
    let net: Network = "7 x 7 x 1:".parse().unwrap();
    assert_eq!(
        net,
        Network {
            input: Shape::new(1, 7, 7),
            layers: vec![]
        }
    );
}

#[test]
fn parse_errors_say_what_was_expected() {
    let err = |text: &str| text.parse::<Network>().unwrap_err().to_string();
    assert_eq!(
        err("conv3x3-16"),
        "cannot read the network \"conv3x3-16\": it starts with the input and a colon, e.g. \"32x32x3: conv3x3-16 pad1, relu, pool2, fc5\""
    );
    assert_eq!(
        err("32x32: relu"),
        "cannot read the input \"32x32\": it is height x width x channels in whole numbers, e.g. 32x32x3"
    );
    assert_eq!(
        err("32x32x3: relu, conv3-16"),
        "layer 2: cannot read the layer \"conv3-16\": a conv layer is written conv<size>x<size>-<filters>, e.g. conv3x3-16"
    );
    assert_eq!(
        err("32x32x3: conv3x5-16"),
        "layer 1: cannot read the layer \"conv3x5-16\": filters must be square here, got 3x5"
    );
    assert_eq!(
        err("32x32x3: conv3x3-16 pad1 pad2"),
        "layer 1: cannot read the layer \"conv3x3-16 pad1 pad2\": pad is given twice"
    );
    assert_eq!(
        err("32x32x3: pool2 pad1"),
        "layer 1: cannot read the layer \"pool2 pad1\": unknown setting \"pad1\" (allowed: stride)"
    );
    assert_eq!(
        err("32x32x3: conv3x3-a"),
        "layer 1: cannot read the layer \"conv3x3-a\": the number of filters should be a whole number, got \"a\""
    );
    assert_eq!(
        err("32x32x3: relu, , fc5"),
        "layer 2: cannot read the layer \"\": it is empty"
    );
    assert_eq!(
        err("32x32x3: tanh"),
        "layer 1: cannot read the layer \"tanh\": a layer is conv<k>x<k>-<filters> [stride<s>] [pad<p>], relu, pool<k> [stride<s>] or fc<outputs>"
    );
}

#[test]
fn description_and_report_serialise_for_javascript() {
    let layer = serde_json::to_string(&conv(16, 3, 1, 1)).unwrap();
    assert_eq!(
        layer,
        r#"{"type":"conv","filters":16,"size":3,"stride":1,"pad":1}"#
    );
    assert_eq!(
        serde_json::to_string(&LayerSpec::Relu).unwrap(),
        r#"{"type":"relu"}"#
    );

    let net = Network::lecture();
    let json = serde_json::to_string(&net).unwrap();
    assert!(
        json.starts_with(r#"{"input":{"c":3,"h":32,"w":32},"layers":[{"type":"conv""#),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<Network>(&json).unwrap(), net);

    let report = net.walk().unwrap();
    let json = serde_json::to_string(&report).unwrap();
    assert_eq!(
        serde_json::from_str::<cnn_playground::shapes::NetworkReport>(&json).unwrap(),
        report
    );
}
