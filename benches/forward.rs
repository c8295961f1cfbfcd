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

use criterion::{black_box, BenchmarkId, Criterion};
use hypergrad::ad::{forward, Dual, DualVec, Scalar};
use nalgebra::{DVector, SVector};
use num_dual::{Dual64, DualDVec64, DualNum, DualSVec64, HyperDual64};
use std::time::{Duration, Instant};

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

/// The same function with plain `f64` constants (`Scalar`'s `f64` operators: a constant factor
/// scales the parts instead of a full product with a constant dual).
fn rosenbrock_literals<S: Scalar>(x: &[S]) -> S {
    x.windows(2)
        .map(|w| {
            let a = w[1] - w[0] * w[0];
            let b = S::one() - w[0];
            a * a * 100.0 + b * b
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

/// Best-of-7 seconds per call of `f`, each sample long enough to time.
fn seconds_per_call(mut f: impl FnMut()) -> f64 {
    let mut reps = 1;
    loop {
        let t = Instant::now();
        for _ in 0..reps {
            f();
        }
        if t.elapsed().as_secs_f64() > 0.02 {
            break;
        }
        reps *= 2;
    }
    (0..7)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..reps {
                f();
            }
            t.elapsed().as_secs_f64() / reps as f64
        })
        .fold(f64::INFINITY, f64::min)
}

/// One pass of a first and of a second directional derivative of Rosenbrock (n = 1000) as
/// multiples of one f64 evaluation: ours (`Dual<f64>`, `Dual<Dual<f64>>`) beside num-dual's
/// `Dual64` and `HyperDual64`, which compute the same numbers.
fn nested_ratios() {
    let n = 1000;
    let x = point(n);
    let v: Vec<f64> = (0..n).map(|i| (i as f64 * 0.3).cos()).collect();
    let d: Vec<Dual<f64>> = x.iter().zip(&v).map(|(&a, &b)| Dual::new(a, b)).collect();
    let dd: Vec<Dual<Dual<f64>>> = x
        .iter()
        .zip(&v)
        .map(|(&a, &b)| Dual::new(Dual::new(a, b), Dual::new(b, 0.0)))
        .collect();
    let nd: Vec<Dual64> = x.iter().zip(&v).map(|(&a, &b)| Dual64::new(a, b)).collect();
    let hd: Vec<HyperDual64> = x
        .iter()
        .zip(&v)
        .map(|(&a, &b)| HyperDual64::new(a, b, b, 0.0))
        .collect();
    // The same second directional derivative vᵀ∇²f v from both libraries.
    let (ours, theirs) = (rosenbrock(&dd), rosenbrock_nd(&hd));
    assert_eq!(rosenbrock_literals(&dd).eps.eps, ours.eps.eps);
    assert!((ours.eps.eps - theirs.eps1eps2).abs() <= 1e-10 * theirs.eps1eps2.abs());
    assert!((rosenbrock(&d).eps - rosenbrock_nd(&nd).eps).abs() <= 1e-10 * ours.re.eps.abs());
    let base = seconds_per_call(|| {
        black_box(rosenbrock(black_box(&x)));
    });
    let t = [
        seconds_per_call(|| {
            black_box(rosenbrock(black_box(&d)));
        }),
        seconds_per_call(|| {
            black_box(rosenbrock_nd(black_box(&nd)));
        }),
        seconds_per_call(|| {
            black_box(rosenbrock(black_box(&dd)));
        }),
        seconds_per_call(|| {
            black_box(rosenbrock_nd(black_box(&hd)));
        }),
        seconds_per_call(|| {
            black_box(rosenbrock_literals(black_box(&dd)));
        }),
    ];
    println!(
        "\nRosenbrock n = {n}, one pass (× f64 {:.2} µs): Dual<f64> {:.2}, num-dual Dual64 {:.2}, \
         Dual<Dual<f64>> {:.2} (with f64 literals {:.2}), num-dual HyperDual64 {:.2}",
        base * 1e6,
        t[0] / base,
        t[1] / base,
        t[2] / base,
        t[4] / base,
        t[3] / base
    );
}

/// `f: ℝ³ → ℝ³` on arrays, for the small-Jacobian comparison.
fn three<S: Scalar>(x: &[S; 3]) -> [S; 3] {
    [
        x[0] * x[1] + x[2].sin(),
        x[0] * x[0] - x[2] + x[1],
        x[1].exp() * x[2],
    ]
}

/// The same function for num-dual.
fn three_nd<D: DualNum<f64> + Copy>(x: SVector<D, 3>) -> SVector<D, 3> {
    SVector::from([
        x[0] * x[1] + x[2].sin(),
        x[0] * x[0] - x[2] + x[1],
        x[1].exp() * x[2],
    ])
}

/// The 3-input Jacobian as a multiple of one f64 evaluation: our chunked driver (8 lanes, heap),
/// with 3 lanes, the fixed-size driver, and num-dual's `jacobian` on static vectors.
fn jacobian_ratios() {
    let x = [0.3, -1.1, 0.7];
    let (_, fixed) = forward::jacobian_fixed(three, x);
    let (_, nd) = num_dual::jacobian(three_nd, SVector::from(x));
    for i in 0..3 {
        for k in 0..3 {
            assert!((fixed[i][k] - nd[(i, k)]).abs() < 1e-15);
        }
    }
    let vec_f = |v: &[DualVec<f64, CHUNK_8>]| three(&[v[0], v[1], v[2]]).to_vec();
    let base = seconds_per_call(|| {
        black_box(three(black_box(&x)));
    });
    let chunk8 = seconds_per_call(|| {
        black_box(forward::jacobian(vec_f, black_box(&x)).expect("consistent"));
    });
    let lanes3 = seconds_per_call(|| {
        black_box(
            forward::jacobian_lanes::<_, 3>(|v| three(&[v[0], v[1], v[2]]).to_vec(), black_box(&x))
                .expect("consistent"),
        );
    });
    let fixed = seconds_per_call(|| {
        black_box(forward::jacobian_fixed(three, black_box(x)));
    });
    let nd = seconds_per_call(|| {
        black_box(num_dual::jacobian(three_nd, SVector::from(black_box(x))));
    });
    println!(
        "3-input Jacobian (× f64 {:.1} ns): forward::jacobian (8 lanes, heap) {:.1}, \
         jacobian_lanes::<3> {:.1}, jacobian_fixed {:.1}, num-dual jacobian {:.1}",
        base * 1e9,
        chunk8 / base,
        lanes3 / base,
        fixed / base,
        nd / base
    );
}

/// The lane count of `forward::jacobian`.
const CHUNK_8: usize = forward::CHUNK;

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    nested_ratios();
    jacobian_ratios();
}
