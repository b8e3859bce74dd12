//! The training page's default net on 100 geometric figures learns them: the "Overfit 100
//! examples" preset reaches ≥ 95% training accuracy while validation stays far lower, the same
//! every time.

use cnn_playground::trainer::{
    network_preset, preset, AccuracyPoint, DataSources, DatasetKind, NetworkPreset, Preset,
    Progress, Trainer,
};

/// Runs the preset to the end, returning every progress report merged into one.
fn overfit() -> (Progress, Trainer) {
    let (data, run) = preset(DatasetKind::Figures, Preset::Overfit);
    let mut trainer = Trainer::new(&data, DataSources::default(), &run).unwrap();
    let mut all = trainer.step(0).unwrap();
    loop {
        let p = trainer.step(7).unwrap();
        all.losses.extend(&p.losses);
        all.accuracies.extend(&p.accuracies);
        all.iteration = p.iteration;
        all.finished = p.finished;
        if p.finished || p.diverged.is_some() {
            all.diverged = p.diverged;
            return (all, trainer);
        }
    }
}

#[test]
fn the_default_net_overfits_100_figures_deterministically() {
    let (first, trainer) = overfit();
    assert_eq!(first.diverged, None);
    assert!(first.finished);
    // 100 examples in batches of 50 for 20 epochs.
    assert_eq!(first.iteration, 40);
    assert_eq!(first.losses.len(), 40);
    assert_eq!(
        first.accuracies.len(),
        21,
        "after iteration 1, then after each epoch"
    );
    let last = first.accuracies.last().unwrap();
    assert_eq!((last.iteration, last.epoch), (40, 20));
    assert!(
        last.train_acc >= 0.95,
        "training accuracy after 20 epochs is {}, expected ≥ 0.95",
        last.train_acc
    );
    // The lesson: memorised, not learned. Five classes, so chance is 0.2.
    assert!(
        last.val_acc <= last.train_acc - 0.4,
        "validation accuracy {} should stay far below training accuracy {}",
        last.val_acc,
        last.train_acc
    );
    assert!(first.losses[39] < 0.5 * first.losses[0]);
    assert_eq!(trainer.solver().history().loss_history, first.losses);

    let (second, _) = overfit();
    assert_eq!(second.losses, first.losses, "the same losses, bit for bit");
    assert_eq!(second.accuracies, first.accuracies);
}

/// Runs a network preset to the end; returns its losses and the last accuracies.
fn run_network_preset(which: NetworkPreset) -> (Vec<f64>, AccuracyPoint) {
    let (data, run) = network_preset(which);
    let mut trainer = Trainer::new(&data, DataSources::default(), &run).unwrap();
    let mut losses = Vec::new();
    let mut last = None;
    loop {
        let p = trainer.step(50).unwrap();
        assert_eq!(p.diverged, None);
        losses.extend(&p.losses);
        last = p.accuracies.last().copied().or(last);
        if p.finished {
            return (losses, last.unwrap());
        }
    }
}

#[test]
fn the_lectures_network_learns_the_figures_well_above_chance() {
    // [CONV-RELU-CONV-RELU-POOL]×3 → FC → 5 on 2,000 figures at 32×32, He initialisation, Adam
    // 3e-3, 5 epochs of 40 iterations. Chance is 0.2.
    let (losses, last) = run_network_preset(NetworkPreset::Lecture);
    assert_eq!((losses.len(), last.iteration, last.epoch), (200, 200, 5));
    assert!(
        last.val_acc >= 0.6,
        "validation accuracy after 200 iterations is {}, expected ≥ 0.6",
        last.val_acc
    );
    // The same run again gives the same losses, bit for bit (its first ten iterations are
    // checked, to keep the test short).
    let (data, run) = network_preset(NetworkPreset::Lecture);
    let mut again = Trainer::new(&data, DataSources::default(), &run).unwrap();
    assert_eq!(again.step(10).unwrap().losses, losses[..10]);
}

#[test]
fn the_lenet_like_network_learns_the_digits() {
    let (losses, last) = run_network_preset(NetworkPreset::LeNet);
    assert!(
        last.val_acc >= 0.8,
        "validation accuracy {} after {} iterations, expected ≥ 0.8 (chance 0.1)",
        last.val_acc,
        losses.len()
    );
}
