//! Trains one of the page's ready-made networks natively, exactly as the Train panel would (the
//! same settings, data and seeds), and prints the accuracies as they are measured.
//!
//! ```sh
//! cargo run --release --example train_network -- lecture     # [CONV-RELU-CONV-RELU-POOL]×3 → FC → 5
//! cargo run --release --example train_network -- three-layer # the assignment's net, cnn.py's sizes
//! cargo run --release --example train_network -- lenet       # LeNet-like, on the digits
//! ```

use cnn_playground::trainer::{network_preset, network_text, DataSources, NetworkPreset, Trainer};
use std::time::Instant;

fn main() {
    let which = match std::env::args().nth(1).as_deref() {
        None | Some("lecture") => NetworkPreset::Lecture,
        Some("three-layer") => NetworkPreset::ThreeLayer,
        Some("lenet") => NetworkPreset::LeNet,
        Some(other) => {
            eprintln!("unknown network \"{other}\": choose lecture, three-layer or lenet");
            std::process::exit(2);
        }
    };
    let (data, run) = network_preset(which);
    println!("{}", network_text(&data, &run));
    let mut trainer = match Trainer::new(&data, DataSources::default(), &run) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let start = Instant::now();
    loop {
        let p = match trainer.step(10) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        };
        for a in &p.accuracies {
            println!(
                "iteration {:>4} (epoch {}): train {:.3}, validation {:.3}, loss {:.3}, {:.1} s",
                a.iteration,
                a.epoch,
                a.train_acc,
                a.val_acc,
                p.losses.last().copied().unwrap_or(f64::NAN),
                start.elapsed().as_secs_f64()
            );
        }
        if let Some(why) = p.diverged {
            eprintln!("{why}");
            std::process::exit(1);
        }
        if p.finished {
            break;
        }
    }
}
