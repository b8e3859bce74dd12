//! `cargo bench`: the naive layers against the fast ones, and the matrix product underneath, in
//! f32 (the browser's type).
//!
//! - conv forward and backward on the assignment's size: x 100×3×31×31, w 25×3×3×3, stride 2,
//!   pad 1 (the "Fast layers" cell of ConvolutionalNetworks.ipynb);
//! - max pool forward and backward on x 100×3×32×32, 2×2 windows, stride 2;
//! - the fast conv of the three-layer net (x 50×3×32×32, w 32×3×7×7, pad 3), with fresh and with
//!   reused buffers;
//! - one training step (loss, gradients and an SGD update) of the default ThreeLayerConvNet
//!   (3×32×32, 32 filters 7×7, hidden 100, 10 classes) at batch 50;
//! - the loss of that net as ThreeLayerConvNet and as a Sequential model of the same description,
//!   and one training step of the lecture's `[CONV-RELU-CONV-RELU-POOL]×3 → FC → 5` as a
//!   Sequential model at batch 50;
//! - GEMM throughput: criterion's "elem/s" counts floating-point operations (2 per multiply-add),
//!   so "Gelem/s" reads as GFLOP/s.
//!
//! Samples are few and short so that the whole run stays within a few minutes on two cores.
//!
//! Times are the CPU time of the benchmarking thread (`CLOCK_THREAD_CPUTIME_ID`), not wall
//! time: everything here runs on one thread, so on an idle machine the two agree, and on a
//! machine shared with other jobs CPU time does not count the moments the thread waits for a
//! core (wall-clock figures swung by 2× between runs on the shared two-core machine).

use cnn_playground::gemm::{gemm_nn, gemm_nt, gemm_tn, GemmScratch, MatMut, MatRef, Update};
use cnn_playground::layers::conv_fast::{
    conv_backward_into, conv_forward_into, ConvGradsMut, ConvWorkspace,
};
use cnn_playground::layers::{
    conv_backward_fast, conv_backward_naive, conv_forward_fast, conv_forward_naive,
    max_pool_backward_fast, max_pool_backward_naive, max_pool_forward_fast, max_pool_forward_naive,
    ConvParam, PoolParam,
};
use cnn_playground::models::{
    ConvNetConfig, Init, Sequential, SequentialConfig, ThreeLayerConvNet,
};
use cnn_playground::optim::{Optimizer, Sgd};
use cnn_playground::rng::Rng;
use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{
    black_box, criterion_group, criterion_main, BenchmarkGroup, Criterion, SamplingMode, Throughput,
};
use ndarray::{Array1, Array4};
use std::time::Duration;

/// CPU time of the calling thread.
struct ThreadCpuTime;

fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec for the call to fill in.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

impl Measurement for ThreadCpuTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        thread_cpu_time()
    }
    fn end(&self, start: Duration) -> Duration {
        thread_cpu_time() - start
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        // Nanoseconds, like wall time: reuse its formatting.
        static WALL: WallTime = WallTime;
        WALL.formatter()
    }
}

type Crit = Criterion<ThreadCpuTime>;

/// Few, short samples; flat sampling so that a slow naive layer runs a fixed 10 times.
fn quick<'a>(c: &'a mut Crit, name: &str) -> BenchmarkGroup<'a, ThreadCpuTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sampling_mode(SamplingMode::Flat);
    g
}

fn conv_assignment_size(c: &mut Crit) {
    let mut rng = Rng::new(1);
    let x: Array4<f32> = rng.normal_array((100, 3, 31, 31), 1.0);
    let w: Array4<f32> = rng.normal_array((25, 3, 3, 3), 1.0);
    let b: Array1<f32> = rng.normal_array(25, 1.0);
    let param = ConvParam { stride: 2, pad: 1 };
    let (out, cache_naive) = conv_forward_naive(&x, &w, &b, param).unwrap();
    let (_, cache_fast) = conv_forward_fast(&x, &w, &b, param).unwrap();
    let dout: Array4<f32> = rng.normal_array(out.raw_dim(), 1.0);

    let mut g = quick(c, "conv_forward 100x3x31x31 w25x3x3x3 s2 p1");
    g.bench_function("naive", |bch| {
        bch.iter(|| conv_forward_naive(black_box(&x), &w, &b, param).unwrap())
    });
    g.bench_function("fast", |bch| {
        bch.iter(|| conv_forward_fast(black_box(&x), &w, &b, param).unwrap())
    });
    g.finish();

    let mut g = quick(c, "conv_backward 100x3x31x31 w25x3x3x3 s2 p1");
    g.bench_function("naive", |bch| {
        bch.iter(|| conv_backward_naive(black_box(&dout), &cache_naive).unwrap())
    });
    g.bench_function("fast", |bch| {
        bch.iter(|| conv_backward_fast(black_box(&dout), &cache_fast).unwrap())
    });
    g.finish();
}

fn pool_assignment_size(c: &mut Crit) {
    let mut rng = Rng::new(2);
    let x: Array4<f32> = rng.normal_array((100, 3, 32, 32), 1.0);
    let param = PoolParam::default();
    let (out, cache_naive) = max_pool_forward_naive(&x, param).unwrap();
    let (_, cache_fast) = max_pool_forward_fast(&x, param).unwrap();
    let dout: Array4<f32> = rng.normal_array(out.raw_dim(), 1.0);

    let mut g = quick(c, "max_pool_forward 100x3x32x32 2x2 s2");
    g.bench_function("naive", |bch| {
        bch.iter(|| max_pool_forward_naive(black_box(&x), param).unwrap())
    });
    g.bench_function("fast", |bch| {
        bch.iter(|| max_pool_forward_fast(black_box(&x), param).unwrap())
    });
    g.finish();

    let mut g = quick(c, "max_pool_backward 100x3x32x32 2x2 s2");
    g.bench_function("naive", |bch| {
        bch.iter(|| max_pool_backward_naive(black_box(&dout), &cache_naive).unwrap())
    });
    g.bench_function("fast", |bch| {
        bch.iter(|| max_pool_backward_fast(black_box(&dout), &cache_fast).unwrap())
    });
    g.finish();
}

/// The conv layer of the default ThreeLayerConvNet at batch 50 (fast only: the naive loops
/// take seconds here). "into" reuses its output, gradient and scratch buffers, as a training
/// loop would, and skips dx (the first layer of a net needs none).
fn conv_three_layer_net(c: &mut Crit) {
    let mut rng = Rng::new(3);
    let x: Array4<f32> = rng.normal_array((50, 3, 32, 32), 1.0);
    let w: Array4<f32> = rng.normal_array((32, 3, 7, 7), 1e-3);
    let b: Array1<f32> = rng.normal_array(32, 1e-3);
    let param = ConvParam { stride: 1, pad: 3 };
    let (out, cache) = conv_forward_fast(&x, &w, &b, param).unwrap();
    let dout: Array4<f32> = rng.normal_array(out.raw_dim(), 1.0);
    // 2 FLOP per multiply-add: N·F·H'·W'·C·HH·WW multiply-adds per product.
    let flops = 2 * 50 * 32 * 32 * 32 * 3 * 7 * 7;

    let mut g = quick(c, "conv_forward 50x3x32x32 w32x3x7x7 s1 p3");
    g.throughput(Throughput::Elements(flops as u64));
    g.bench_function("fast", |bch| {
        bch.iter(|| conv_forward_fast(black_box(&x), &w, &b, param).unwrap())
    });
    let mut ws = ConvWorkspace::new();
    let mut out_buf = Array4::zeros(out.raw_dim());
    g.bench_function("fast into", |bch| {
        bch.iter(|| {
            conv_forward_into(
                black_box(x.view()),
                w.view(),
                b.view(),
                param,
                out_buf.view_mut(),
                &mut ws,
            )
            .unwrap()
        })
    });
    g.finish();

    let mut g = quick(c, "conv_backward 50x3x32x32 w32x3x7x7 s1 p3");
    g.throughput(Throughput::Elements(2 * flops as u64));
    g.bench_function("fast", |bch| {
        bch.iter(|| conv_backward_fast(black_box(&dout), &cache).unwrap())
    });
    let (mut dw, mut db) = (Array4::zeros(w.raw_dim()), Array1::zeros(32));
    g.throughput(Throughput::Elements(flops as u64));
    g.bench_function("fast into, no dx", |bch| {
        bch.iter(|| {
            let grads = ConvGradsMut {
                dx: None,
                dw: dw.view_mut(),
                db: db.view_mut(),
            };
            conv_backward_into(
                black_box(dout.view()),
                x.view(),
                w.view(),
                param,
                grads,
                &mut ws,
            )
            .unwrap()
        })
    });
    g.finish();
}

/// One training step of the course's default ThreeLayerConvNet at batch 50, f32: forward, loss,
/// backward and a plain SGD update of every parameter. About 1.69 GFLOP (conv and affine products,
/// 2 FLOP per multiply-add, three passes' worth).
fn training_step(c: &mut Crit) {
    let mut rng = Rng::new(4);
    let x: Array4<f32> = rng.normal_array((50, 3, 32, 32), 1.0);
    let y: Vec<usize> = (0..50).map(|_| rng.below(10)).collect();
    let mut net = ThreeLayerConvNet::<f32>::new(ConvNetConfig::default()).unwrap();
    let sgd = Optimizer::Sgd(Sgd::default());
    let (_, grads) = net.loss(&x, &y).unwrap();
    let mut states: Vec<_> = grads
        .slices()
        .iter()
        .map(|g| sgd.state::<f32>(g.len()))
        .collect();
    let mut g = quick(c, "training step ThreeLayerConvNet default batch 50");
    g.throughput(Throughput::Elements(1_691_000_000));
    g.bench_function("loss + sgd", |bch| {
        bch.iter(|| {
            let (loss, grads) = net.loss(black_box(&x), &y).unwrap();
            let params = net.trainable_mut();
            for ((w, dw), state) in params.into_iter().zip(grads.slices()).zip(&mut states) {
                sgd.update(w, dw, state).unwrap();
            }
            loss
        })
    });
    g.finish();
}

/// The loss and gradients of the course's default net at batch 50, f32, as ThreeLayerConvNet
/// and as a Sequential model of the same description (`32x32x3: conv7x7-32 pad3, relu, pool2,
/// fc100, relu, fc10`): the general model must not be slower on the same architecture.
fn loss_three_layer_vs_sequential(c: &mut Crit) {
    let mut rng = Rng::new(4);
    let x: Array4<f32> = rng.normal_array((50, 3, 32, 32), 1.0);
    let y: Vec<usize> = (0..50).map(|_| rng.below(10)).collect();
    let mut net = ThreeLayerConvNet::<f32>::new(ConvNetConfig::default()).unwrap();
    let network = "32x32x3: conv7x7-32 pad3, relu, pool2, fc100, relu, fc10"
        .parse()
        .unwrap();
    let mut seq = Sequential::<f32>::new(SequentialConfig::new(network, 10)).unwrap();
    let mut g = quick(c, "loss of the default net at batch 50");
    g.bench_function("ThreeLayerConvNet", |bch| {
        bch.iter(|| net.loss(black_box(&x), &y).unwrap().0)
    });
    g.bench_function("Sequential", |bch| {
        bch.iter(|| seq.loss(black_box(&x), &y).unwrap().0)
    });
    g.finish();
}

/// The lecture's `[CONV-RELU-CONV-RELU-POOL]×3 → FC → 5` as a Sequential model (16 filters 3×3
/// pad 1 in each conv) at batch 50 on 32×32×3, f32: one training step as the browser
/// benchmark's `SequentialBench` takes it (src/web/bench.rs): loss and gradients, then
/// `w -= lr · dw` on every entry of the parameter table.
fn lecture_net_step(c: &mut Crit) {
    let mut rng = Rng::new(13);
    let x: Array4<f32> = rng.normal_array((50, 3, 32, 32), 1.0);
    let y: Vec<usize> = (0..50).map(|_| rng.below(5)).collect();
    let network = "32x32x3: conv3x3-16 pad1, relu, conv3x3-16 pad1, relu, pool2, \
                   conv3x3-16 pad1, relu, conv3x3-16 pad1, relu, pool2, \
                   conv3x3-16 pad1, relu, conv3x3-16 pad1, relu, pool2, fc5"
        .parse()
        .unwrap();
    // About He's scale for 3×3×16 inputs, so the activations keep their size through the stack.
    let config = SequentialConfig {
        init: Init::Scale(0.1),
        ..SequentialConfig::new(network, 5)
    };
    let mut seq = Sequential::<f32>::new(config).unwrap();
    let lr = 1e-3_f32;
    let mut g = quick(c, "training step of the lecture net at batch 50");
    // 2 FLOP per multiply-add, a step counted as three forward passes (bench/harness/problem.js).
    g.throughput(Throughput::Elements(1_283_251_200));
    g.bench_function("Sequential loss + sgd", |bch| {
        bch.iter(|| {
            let (loss, table) = seq.loss(black_box(&x), &y).unwrap();
            let updated: Vec<_> = table
                .entries()
                .iter()
                .map(|p| {
                    let w = ndarray::Zip::from(&p.value)
                        .and(&p.grad)
                        .map_collect(|&w, &dw| w - lr * dw);
                    (p.name.clone(), w)
                })
                .collect();
            for (name, w) in updated {
                seq.set_param(&name, w).unwrap();
            }
            loss
        })
    });
    g.finish();
}

/// GEMM throughput on a square product and on the shapes of the three-layer net's conv
/// (per image: F = 32, K = 3·7·7 = 147, P = 32·32 = 1024).
fn gemm(c: &mut Crit) {
    let mut rng = Rng::new(4);
    let mut g = quick(c, "gemm_f32 (Gelem/s = GFLOP/s)");
    g.sampling_mode(SamplingMode::Auto);
    let shapes = [
        ("512x512x512", 512, 512, 512),
        ("conv fwd W·cols 32x1024x147", 32, 1024, 147),
        ("conv dW dout·colsT 32x147x1024", 32, 147, 1024),
        ("conv dcols WT·dout 147x1024x32", 147, 1024, 32),
    ];
    for (name, m, n, k) in shapes {
        // Storage big enough for either orientation of each operand.
        let a: Vec<f32> = (0..m * k).map(|_| rng.normal() as f32).collect();
        let b: Vec<f32> = (0..k * n).map(|_| rng.normal() as f32).collect();
        let mut cm = vec![0.0_f32; m * n];
        let mut s = GemmScratch::new();
        g.throughput(Throughput::Elements((2 * m * n * k) as u64));
        g.bench_function(format!("A·B {name}"), |bch| {
            bch.iter(|| {
                let (a, b) = (MatRef::new(black_box(&a), m, k), MatRef::new(&b, k, n));
                gemm_nn(a, b, MatMut::new(&mut cm, m, n), Update::Overwrite, &mut s)
            })
        });
        g.bench_function(format!("AT·B {name}"), |bch| {
            bch.iter(|| {
                let (a, b) = (MatRef::new(black_box(&a), k, m), MatRef::new(&b, k, n));
                gemm_tn(a, b, MatMut::new(&mut cm, m, n), Update::Overwrite, &mut s)
            })
        });
        g.bench_function(format!("A·BT {name}"), |bch| {
            bch.iter(|| {
                let (a, b) = (MatRef::new(black_box(&a), m, k), MatRef::new(&b, n, k));
                gemm_nt(a, b, MatMut::new(&mut cm, m, n), Update::Overwrite, &mut s)
            })
        });
    }
    // A reference point: ndarray's own product (the matrixmultiply crate) on the square size.
    let a: ndarray::Array2<f32> = rng.normal_array((512, 512), 1.0);
    let b: ndarray::Array2<f32> = rng.normal_array((512, 512), 1.0);
    g.throughput(Throughput::Elements(2 * 512 * 512 * 512));
    g.bench_function("ndarray dot 512x512x512", |bch| {
        bch.iter(|| black_box(&a).dot(&b))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = conv_assignment_size, pool_assignment_size, conv_three_layer_net, training_step,
        loss_three_layer_vs_sequential, lecture_net_step, gemm
}
criterion_main!(benches);
