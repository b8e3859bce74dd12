//! The output-size arithmetic of the lecture, and the network walk.

use cnn_playground::error::Error;
use cnn_playground::shapes::{
    formula, output_size, valid_pads, valid_strides, walk, KeepProbability, LayerSpec, Network,
    Shape, MAX_COUNT,
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
        "layer 1: cannot read the layer \"tanh\": a layer is conv<k>x<k>-<filters> [stride<s>] [pad<p>], relu, pool<k> [stride<s>], avgpool<k> [stride<s>], dropout<p>, bn or fc<outputs>"
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

// ------------------------------------------------------------------------------------------------
// Average pool, dropout and batch norm
// ------------------------------------------------------------------------------------------------

fn keep(p: f64) -> KeepProbability {
    KeepProbability::new(p).unwrap()
}

#[test]
fn avgpool_dropout_and_bn_parse_print_and_serialise() {
    let net: Network =
        "8x8x3: conv3x3-4 pad1, BN, relu, AvgPool2, avgpool3 stride1, dropout0.5, dropout1, fc5"
            .parse()
            .unwrap();
    assert_eq!(
        net.layers,
        [
            conv(4, 3, 1, 1),
            LayerSpec::Bn,
            LayerSpec::Relu,
            LayerSpec::AvgPool { size: 2, stride: 2 },
            LayerSpec::AvgPool { size: 3, stride: 1 },
            LayerSpec::Dropout { p: keep(0.5) },
            LayerSpec::Dropout { p: keep(1.0) },
            LayerSpec::Fc { outputs: 5 },
        ]
    );
    assert_eq!(
        net.to_string(),
        "8x8x3: conv3x3-4 pad1, bn, relu, avgpool2, avgpool3 stride1, dropout0.5, dropout1, fc5"
    );
    assert_eq!(net.to_string().parse::<Network>().unwrap(), net);
    // p keeps its exact value through the text (shortest round-trip form).
    let third: Network = "4x4x1: dropout0.3333333333333333".parse().unwrap();
    assert_eq!(third.layers, [LayerSpec::Dropout { p: keep(1.0 / 3.0) }]);
    assert_eq!(third.to_string(), "4x4x1: dropout0.3333333333333333");

    let json = serde_json::to_string(&net.layers[3..6]).unwrap();
    assert_eq!(
        json,
        r#"[{"type":"avgpool","size":2,"stride":2},{"type":"avgpool","size":3,"stride":1},{"type":"dropout","p":0.5}]"#
    );
    assert_eq!(
        serde_json::to_string(&LayerSpec::Bn).unwrap(),
        r#"{"type":"bn"}"#
    );
    assert_eq!(
        serde_json::from_str::<Network>(&serde_json::to_string(&net).unwrap()).unwrap(),
        net
    );
    // A p outside (0, 1] is refused from JSON too.
    let bad = serde_json::from_str::<LayerSpec>(r#"{"type":"dropout","p":1.5}"#).unwrap_err();
    assert!(
        bad.to_string()
            .contains("must be more than 0 and at most 1"),
        "{bad}"
    );
}

#[test]
fn avgpool_dropout_and_bn_parse_errors_say_what_was_expected() {
    let err = |text: &str| text.parse::<Network>().unwrap_err().to_string();
    let form = "a dropout layer is written dropout<p> with p the probability of keeping a unit, \
                more than 0 and at most 1, e.g. dropout0.5";
    for p in ["0", "1.5", "", "x", "1e-1", "nan", "inf", "0.5.5", "-0.5"] {
        assert_eq!(
            err(&format!("4x4x1: dropout{p}")),
            format!("layer 1: cannot read the layer \"dropout{p}\": {form}"),
            "dropout{p}"
        );
    }
    assert_eq!(
        err("4x4x1: relu, dropout0.5 stride2"),
        "layer 2: cannot read the layer \"dropout0.5 stride2\": dropout takes no settings, got \"stride2\""
    );
    assert_eq!(
        err("4x4x1: bn 2"),
        "layer 1: cannot read the layer \"bn 2\": bn takes no settings, got \"2\""
    );
    assert_eq!(
        err("4x4x1: avgpool2 pad1"),
        "layer 1: cannot read the layer \"avgpool2 pad1\": unknown setting \"pad1\" (allowed: stride)"
    );
    assert_eq!(
        err("4x4x1: avgpoolx"),
        "layer 1: cannot read the layer \"avgpoolx\": the pool size (avgpool2 is a 2×2 window) should be a whole number, got \"x\""
    );
}

#[test]
fn the_walk_counts_avgpool_dropout_and_bn_exactly() {
    let net: Network = "8x8x3: conv3x3-4 pad1, bn, relu, avgpool2, dropout0.5, fc5"
        .parse()
        .unwrap();
    let report = net.walk().unwrap();
    assert!(report.error.is_none());
    // (label, output, weights, biases, params, macs, activations, bytes, formula)
    let rows: Vec<_> = report
        .rows
        .iter()
        .map(|r| {
            (
                r.label.as_str(),
                r.output.to_string(),
                r.weights,
                r.biases,
                r.params,
                r.macs,
                r.activations,
                r.bytes,
                r.formula.as_deref(),
            )
        })
        .collect();
    let conv_formula = "(8 − 3 + 2·1)/1 + 1 = 8";
    let pool_formula = "(8 − 2 + 2·0)/2 + 1 = 4";
    assert_eq!(
        rows,
        [
            (
                "conv3x3-4 pad1",
                "8×8×4".to_string(),
                108,
                4,
                112,
                6912,
                256,
                1024,
                Some(conv_formula)
            ),
            ("bn", "8×8×4".to_string(), 4, 4, 8, 0, 256, 1024, None),
            ("relu", "8×8×4".to_string(), 0, 0, 0, 0, 256, 1024, None),
            (
                "avgpool2",
                "4×4×4".to_string(),
                0,
                0,
                0,
                0,
                64,
                256,
                Some(pool_formula)
            ),
            ("dropout0.5", "4×4×4".to_string(), 0, 0, 0, 0, 64, 256, None),
            ("fc5", "1×1×5".to_string(), 320, 5, 325, 320, 5, 20, None),
        ]
    );
    assert_eq!(report.summary.params, 112 + 8 + 325);
    assert_eq!(report.summary.macs, 6912 + 320);
    assert_eq!(report.summary.activations, 256 * 3 + 64 * 2 + 5);

    // An average pool that does not fit stops the walk as a max pool does.
    let report = walk(
        Shape::new(2, 5, 5),
        &[LayerSpec::Bn, LayerSpec::AvgPool { size: 2, stride: 2 }],
    )
    .unwrap();
    assert_eq!(report.rows.len(), 1);
    let e = report.error.unwrap();
    assert_eq!((e.index, e.label.as_str()), (1, "avgpool2"));
    let max = walk(
        Shape::new(2, 5, 5),
        &[LayerSpec::Pool { size: 2, stride: 2 }],
    )
    .unwrap();
    assert_eq!(e.message, max.error.unwrap().message);
}

// ------------------------------------------------------------------------------------------------
// Hostile arguments: no wrap, no panic, bounded work (issue 10)
// ------------------------------------------------------------------------------------------------

#[cfg(target_pointer_width = "64")]
#[test]
fn a_pad_near_half_of_usize_max_is_refused_with_the_true_numbers() {
    let pad = usize::MAX / 2;
    assert_eq!(
        output_size("height", 4, 3, pad, 1).unwrap_err().to_string(),
        "height: pad 9223372036854775807 is far too large: an input of size 4 padded by \
         9223372036854775807 on each side would be 18446744073709551618 in all, beyond the \
         largest size the engine can index (18446744073709551615)"
    );
    // The formula renders the exact arithmetic, neither wrapped nor panicking.
    assert_eq!(
        formula(4, 3, usize::MAX, 1),
        "(4 − 3 + 2·18446744073709551615)/1 + 1 = 36893488147419103232"
    );
    assert_eq!(valid_strides(4, 3, pad), Vec::<usize>::new());
    // The network table stops at that layer with the same message.
    let report = walk(Shape::new(1, 4, 4), &[conv(1, 3, 1, pad)]).unwrap();
    assert_eq!(
        report.error.unwrap().message,
        "height and width: pad 9223372036854775807 is far too large: an input of size 4 padded by \
         9223372036854775807 on each side would be 18446744073709551618 in all, beyond the \
         largest size the engine can index (18446744073709551615)"
    );
}

#[cfg(target_pointer_width = "64")]
#[test]
fn strides_and_pads_of_astronomical_spans_are_found_without_walking_the_span() {
    // A span of 2^64 − 2 = 2·7²·73·127·337·92737·649657: the old search walked 1..=span, forever.
    let span = usize::MAX - 1;
    let strides = valid_strides(usize::MAX, 1, 0);
    assert_eq!(&strides[..6], &[1, 2, 7, 14, 49, 73]);
    assert_eq!(&strides[strides.len() - 3..], &[span / 7, span / 2, span]);
    assert!(strides.windows(2).all(|p| p[0] < p[1]));
    assert!(strides.iter().all(|&s| span % s == 0));
    // The only pad below a filter of usize::MAX that fits an input of 5 at stride 2, by arithmetic.
    let pads = valid_pads(5, usize::MAX, 2);
    assert_eq!(pads, vec![(1usize << 63) - 3]);
    assert_eq!(output_size("width", 5, usize::MAX, pads[0], 2), Ok(1));
}

#[test]
fn a_model_file_input_of_two_to_the_31_gets_its_suggestion_at_once() {
    // 2^31 − 2 = 2·3²·7·11·31·151·331: divisors below 4 are 1, 2, 3; pads must be odd.
    let input = 1usize << 31;
    assert_eq!(
        output_size("height", input, 2, 0, 4).unwrap_err().to_string(),
        "height: (2147483648 − 2 + 2·0)/4 + 1 = 536870912.50 is not a whole number: try stride 2 or 3, or pad 1"
    );
    // Every divisor of a span below 2^32 is found: 2^31 − 1 is prime.
    assert_eq!(valid_strides(input, 1, 0), vec![1, (1 << 31) - 1]);
}

#[test]
fn valid_strides_and_pads_match_a_brute_force_search_on_page_sizes() {
    for input in 1..=12 {
        for filter in 1..=9 {
            for pad in 0..=4 {
                let brute: Vec<usize> = if input + 2 * pad == filter {
                    vec![1] // one output whatever the stride: 1 stands for them all
                } else {
                    (1..=40)
                        .filter(|&s| output_size("width", input, filter, pad, s).is_ok())
                        .collect()
                };
                assert_eq!(
                    valid_strides(input, filter, pad),
                    brute,
                    "valid_strides({input}, {filter}, {pad})"
                );
            }
            for stride in 1..=6 {
                let brute: Vec<usize> = (0..filter)
                    .filter(|&p| output_size("width", input, filter, p, stride).is_ok())
                    .collect();
                assert_eq!(
                    valid_pads(input, filter, stride),
                    brute,
                    "valid_pads({input}, {filter}, {stride})"
                );
            }
        }
    }
}

#[test]
fn both_bad_axes_are_named_in_one_error() {
    // Different inputs: each axis says what is wrong with it.
    let report = walk(Shape::new(1, 7, 8), &[conv(1, 3, 3, 0)]).unwrap();
    assert_eq!(
        report.error.unwrap().message,
        "height: (7 − 3 + 2·0)/3 + 1 = 2.33 is not a whole number: try stride 1 or 2, or pad 1; \
         width: (8 − 3 + 2·0)/3 + 1 = 2.67 is not a whole number: try stride 1, or pad 2"
    );
    // A zero stride is nobody's axis: said once.
    let report = walk(Shape::new(1, 7, 8), &[conv(1, 3, 0, 0)]).unwrap();
    assert_eq!(
        report.error.unwrap().message,
        "the stride must be at least 1, got 0"
    );
}

#[test]
fn pool_errors_speak_of_windows_and_strides() {
    let message =
        |input: Shape, layer: LayerSpec| walk(input, &[layer]).unwrap().error.unwrap().message;
    assert_eq!(
        message(Shape::new(3, 4, 4), LayerSpec::Pool { size: 5, stride: 1 }),
        "height and width: a pool window of size 5 does not fit in an input of size 4"
    );
    assert_eq!(
        message(Shape::new(3, 4, 6), LayerSpec::Pool { size: 5, stride: 1 }),
        "height: a pool window of size 5 does not fit in an input of size 4"
    );
    assert_eq!(
        message(Shape::new(3, 4, 6), LayerSpec::Pool { size: 0, stride: 1 }),
        "the pool window height and width must be at least 1, got 0"
    );
    assert_eq!(
        message(Shape::new(3, 4, 6), LayerSpec::Pool { size: 4, stride: 3 }),
        "width: (6 − 4 + 2·0)/3 + 1 = 1.67 is not a whole number: try stride 1 or 2"
    );
}

#[test]
fn a_very_long_network_string_is_quoted_shortened() {
    let long = "x".repeat(100_000);
    let err = long.parse::<Network>().unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "cannot read the network \"{}…\": it starts with the input and a colon, e.g. \"32x32x3: conv3x3-16 pad1, relu, pool2, fc5\"",
            "x".repeat(40)
        )
    );
    let digits = "9".repeat(100_000);
    let err = format!("{digits}x32x3: relu")
        .parse::<Network>()
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        format!(
            "cannot read the input \"{}…\": it is height x width x channels in whole numbers, e.g. 32x32x3",
            "9".repeat(40)
        )
    );
    let err = format!("32x32x3: relu, conv3x3-{digits}")
        .parse::<Network>()
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        format!(
            "layer 2: cannot read the layer \"conv3x3-{}…\": the number of filters should be a whole number, got \"{}…\"",
            "9".repeat(32),
            "9".repeat(40)
        )
    );
    // Characters, not bytes, are counted: a long line of multi-byte characters is cut cleanly.
    let err = "é".repeat(50).parse::<Network>().unwrap_err().to_string();
    assert!(
        err.starts_with(&format!("cannot read the network \"{}…\"", "é".repeat(40))),
        "{err}"
    );
    // Exactly 40 characters are quoted whole.
    let err = "y".repeat(40).parse::<Network>().unwrap_err().to_string();
    assert!(
        err.starts_with(&format!("cannot read the network \"{}\":", "y".repeat(40))),
        "{err}"
    );
}
