//! Forward mode on extended Rosenbrock `Σ 100(x_{i+1} − x_i²)² + (1 − x_i)²`, n = 10, 100, 1000:
//! f64 evaluation; one `Dual` pass; the gradient by n `Dual` passes, by `forward::gradient`
//! (chunks of `CHUNK` = 8 lanes) and by chunks of 4 and 16 lanes (to choose `CHUNK`); num-dual's
//! `gradient` with a heap `DualDVec64` (all n lanes, one pass; also our proxy for a runtime-N
//! heap variant) and, for n ≤ 100, a stack `DualSVec64<n>`.
//!
//! Measured (2 shared cores, `-- --warm-up-time 1 --measurement-time 2`):
//!
//! | n | f64 | one Dual pass (ratio) | n Dual passes | chunk 4 | `gradient` (8) | chunk 16 | num-dual dyn | num-dual static |
//! | --- | --- | --- | --- | --- | --- | --- | --- | --- |
//! | 10 | 8.5 ns | 22.5 ns (2.7×) | 211 ns | 161 ns | 247 ns | 233 ns | 3.03 µs | 404 ns |
//! | 100 | 108 ns | 274 ns (2.5×) | 25.1 µs | 14.1 µs | 11.1 µs | 13.3 µs | 71.7 µs | 34.7 µs |
//! | 1000 | 996 ns | 2.13 µs (2.1×) | 2.09 ms | 1.26 ms | 0.94 ms | 0.94 ms | 5.12 ms | — |
//!
//! One Dual pass costs 2.1–2.7× an f64 evaluation (target ≤ 3×). Our chunked gradient is 1.6×
//! (n = 10), 3.1× (n = 100) faster than num-dual's stack gradient and 12×, 6.5×, 5.4× faster
//! than its heap one. Chunk 8 is best or tied at n = 100 and 1000 (chunk 4 wins at n = 10 by
//! needing 3 passes of half the width). A heap runtime-N variant (num-dual's `Dyn`, one pass of
//! n lanes, an allocation per operation) is 5–12× slower than fixed chunks: not worth adding.
//! `#[inline(always)]` vs `#[inline]` on the operators: within this machine's noise (±20%) here.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use hypergrad::ad::{forward, Dual, DualVec, Scalar};
use nalgebra::{DVector, SVector};
use num_dual::{DualDVec64, DualNum, DualSVec64};
use std::time::Duration;

/// Extended Rosenbrock for our scalars.
fn rosenbrock<S: Scalar>(x: &[S]) -> S {
    x.windows(2)
        .map(|w| {
            let a = w[1] - w[0] * w[0];
            let b = S::one() - w[0];
            a * a * S::from_f64(100.0) + b * b
        })
        .sum()
}

/// The same function for num-dual's numbers (not `Copy`: references and clones).
fn rosenbrock_nd<D: DualNum<f64>>(x: &[D]) -> D {
    x.windows(2)
        .map(|w| {
            let a = w[1].clone() - &(w[0].clone() * &w[0]);
            let b = -w[0].clone() + 1.0;
            a.clone() * &a * 100.0 + b.clone() * &b
        })
        .sum()
}

/// The gradient by ⌈n/N⌉ passes of `DualVec<f64, N>`, for comparing chunk widths.
fn gradient_chunked<const N: usize>(x: &[f64], grad: &mut [f64]) {
    let mut xs: Vec<DualVec<f64, N>> = x.iter().map(|&v| DualVec::constant(v)).collect();
    for start in (0..x.len()).step_by(N) {
        let end = (start + N).min(x.len());
        for (l, xk) in xs[start..end].iter_mut().enumerate() {
            xk.eps[l] = 1.0;
        }
        let y = rosenbrock(&xs);
        for (l, (xk, g)) in xs[start..end]
            .iter_mut()
            .zip(&mut grad[start..end])
            .enumerate()
        {
            xk.eps[l] = 0.0;
            *g = y.eps[l];
        }
    }
}

/// The gradient by n passes of `Dual<f64>`.
fn gradient_dual(x: &[f64], grad: &mut [f64]) {
    let mut xs: Vec<Dual<f64>> = x.iter().map(|&v| Dual::constant(v)).collect();
    for (k, g) in grad.iter_mut().enumerate() {
        xs[k].eps = 1.0;
        *g = rosenbrock(&xs).eps;
        xs[k].eps = 0.0;
    }
}

fn point(n: usize) -> Vec<f64> {
    (0..n).map(|i| 0.5 + 0.3 * (i as f64 * 0.7).sin()).collect()
}

/// num-dual with a stack gradient of compile-time length `N`.
fn num_dual_static<const N: usize>(x: &[f64]) -> f64 {
    let v = SVector::<f64, N>::from_column_slice(x);
    let (y, g) = num_dual::gradient(|v| rosenbrock_nd::<DualSVec64<N>>(v.as_slice()), v);
    y + g[0]
}

fn bench(c: &mut Criterion) {
    for n in [10, 100, 1000] {
        let x = point(n);
        let mut grad = vec![0.0; n];
        // Every variant computes the same gradient before any of them is timed.
        let (_, reference) = forward::gradient(rosenbrock, &x);
        gradient_dual(&x, &mut grad);
        assert_eq!(grad, reference);
        gradient_chunked::<16>(&x, &mut grad);
        assert_eq!(grad, reference);
        let (_, g_nd) = num_dual::gradient(
            |v| rosenbrock_nd::<DualDVec64>(v.as_slice()),
            DVector::from_column_slice(&x),
        );
        for (a, b) in g_nd.iter().zip(&reference) {
            assert!(
                (a - b).abs() <= 1e-12 * b.abs().max(1.0),
                "num-dual {a} vs {b}"
            );
        }
        let mut group = c.benchmark_group(format!("rosenbrock_{n}"));
        group.sample_size(10);
        group.bench_function("f64", |b| b.iter(|| rosenbrock(black_box(&x))));
        let xd: Vec<Dual<f64>> = x
            .iter()
            .enumerate()
            .map(|(i, &v)| Dual::new(v, f64::from(u8::from(i == 0))))
            .collect();
        group.bench_function("dual_one_pass", |b| b.iter(|| rosenbrock(black_box(&xd))));
        group.bench_function("gradient_dual_n_passes", |b| {
            b.iter(|| gradient_dual(black_box(&x), &mut grad))
        });
        group.bench_function(BenchmarkId::new("gradient_chunk", 4), |b| {
            b.iter(|| gradient_chunked::<4>(black_box(&x), &mut grad))
        });
        group.bench_function(BenchmarkId::new("gradient_chunk", 16), |b| {
            b.iter(|| gradient_chunked::<16>(black_box(&x), &mut grad))
        });
        group.bench_function("forward_gradient_chunk_8", |b| {
            b.iter(|| forward::gradient(rosenbrock, black_box(&x)))
        });
        group.bench_function("num_dual_gradient_dyn", |b| {
            b.iter(|| {
                let v = DVector::from_column_slice(black_box(&x));
                num_dual::gradient(|v| rosenbrock_nd::<DualDVec64>(v.as_slice()), v)
            })
        });
        match n {
            10 => group.bench_function("num_dual_gradient_static", |b| {
                b.iter(|| num_dual_static::<10>(black_box(&x)))
            }),
            100 => group.bench_function("num_dual_gradient_static", |b| {
                b.iter(|| num_dual_static::<100>(black_box(&x)))
            }),
            _ => group.measurement_time(Duration::from_secs(2)),
        };
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
