//! The training page's default net on 100 geometric figures learns them: the "Overfit 100
//! examples" preset reaches ≥ 95% training accuracy while validation stays far lower, the same
//! every time.

use cnn_playground::trainer::{preset, DataSources, DatasetKind, Preset, Progress, Trainer};

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
