use cnn_playground::gemm::{gemm_nn, gemm_nt, gemm_tn, GemmScratch, MatMut, MatRef, Update};
use cnn_playground::rng::Rng;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use std::time::Duration;

fn gemm(c: &mut Criterion) {
    let mut g = c.benchmark_group("gemm_f32");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    let mut rng = Rng::new(1);
    for &(m, n, k) in &[
        (512, 512, 512),
        (32, 1024, 147),
        (147, 1024, 32),
        (32, 147, 1024),
    ] {
        let a: Vec<f32> = (0..m * k).map(|_| rng.normal() as f32).collect();
        let b: Vec<f32> = (0..k * n).map(|_| rng.normal() as f32).collect();
        let mut cm = vec![0.0_f32; m * n];
        let mut s = GemmScratch::new();
        g.throughput(Throughput::Elements((2 * m * n * k) as u64));
        g.bench_function(format!("nn {m}x{n}x{k}"), |bch| {
            bch.iter(|| {
                gemm_nn(
                    MatRef::new(black_box(&a), m, k),
                    MatRef::new(&b, k, n),
                    MatMut::new(&mut cm, m, n),
                    Update::Overwrite,
                    &mut s,
                )
            })
        });
        g.bench_function(format!("tn {m}x{n}x{k}"), |bch| {
            bch.iter(|| {
                gemm_tn(
                    MatRef::new(black_box(&a), k, m),
                    MatRef::new(&b, k, n),
                    MatMut::new(&mut cm, m, n),
                    Update::Overwrite,
                    &mut s,
                )
            })
        });
        g.bench_function(format!("nt {m}x{n}x{k}"), |bch| {
            bch.iter(|| {
                gemm_nt(
                    MatRef::new(black_box(&a), m, k),
                    MatRef::new(&b, n, k),
                    MatMut::new(&mut cm, m, n),
                    Update::Overwrite,
                    &mut s,
                )
            })
        });
        let an = ndarray::Array2::from_shape_vec((m, k), a.clone()).unwrap();
        let bn = ndarray::Array2::from_shape_vec((k, n), b.clone()).unwrap();
        g.bench_function(format!("ndarray dot {m}x{n}x{k}"), |bch| {
            bch.iter(|| black_box(&an).dot(&bn))
        });
    }
    g.finish();
}

criterion_group!(benches, gemm);
criterion_main!(benches);
