//! Non-smooth primitives on `n = 1000` inputs, every row a ratio against the `f64` evaluation of
//! the same primitive: one forward JVP (`Dual<f64>`: value and tangent), four JVPs at once
//! (`DualVec<f64, 4>`), and the hand-written `f64` generalized derivative (`*_jvp`, tangent only).
//!
//! Measured (criterion medians, `--warm-up-time 1 --measurement-time 2`, shared 2-core machine):
//!
//! | primitive | f64 | Dual | DualVec<4> | `*_jvp` (f64) |
//! | --- | --- | --- | --- | --- |
//! | soft_threshold_slice | 877 ns | 990 ns (1.13×) | 1.16 µs (1.32×) | 834 ns (0.95×) |
//! | block_soft_threshold | 689 ns | 1.15 µs (1.67×) | 2.64 µs (3.8×) | 1.30 µs (1.88×) |
//! | project_simplex | 18.0 µs | 16.7 µs (0.93×) | 17.8 µs (0.99×) | 16.2 µs (0.90×) |
//! | prox_tv1d | 13.4 µs | 13.8 µs (1.03×) | 14.4 µs (1.07×) | 12.8 µs (0.96×) |
//!
//! The simplex projection and the TV prox are dominated by the primal combinatorics (sort,
//! segment search on `f64`), which every mode shares; the generic recomputation on the support or
//! the segments costs little, so AD is nearly free there (ratios < 1 are measurement noise).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use hypergrad_ad::nonsmooth::*;
use hypergrad_ad::{Dual, DualVec, Scalar};

const N: usize = 1000;

/// A primitive `ℝᴺ → ℝᴺ` at fixed parameters, generic evaluation and `f64` JVP.
trait Primitive {
    const NAME: &'static str;
    fn eval<S: Scalar>(x: &[S], out: &mut [S]);
    fn jvp(x: &[f64], dx: &[f64], out: &mut [f64]);
}

struct SoftThreshold;
impl Primitive for SoftThreshold {
    const NAME: &'static str = "soft_threshold_slice";
    fn eval<S: Scalar>(x: &[S], out: &mut [S]) {
        soft_threshold_slice(x, S::from_f64(0.8), out);
    }
    fn jvp(x: &[f64], dx: &[f64], out: &mut [f64]) {
        soft_threshold_slice_jvp(x, 0.8, dx, 0.0, out);
    }
}

struct Block;
impl Primitive for Block {
    const NAME: &'static str = "block_soft_threshold";
    fn eval<S: Scalar>(x: &[S], out: &mut [S]) {
        block_soft_threshold(x, S::from_f64(20.0), out);
    }
    fn jvp(x: &[f64], dx: &[f64], out: &mut [f64]) {
        block_soft_threshold_jvp(x, 20.0, dx, 0.0, out);
    }
}

struct Simplex;
impl Primitive for Simplex {
    const NAME: &'static str = "project_simplex";
    fn eval<S: Scalar>(x: &[S], out: &mut [S]) {
        project_simplex(x, out);
    }
    fn jvp(x: &[f64], dx: &[f64], out: &mut [f64]) {
        project_simplex_jvp(x, dx, out);
    }
}

struct Tv;
impl Primitive for Tv {
    const NAME: &'static str = "prox_tv1d";
    fn eval<S: Scalar>(x: &[S], out: &mut [S]) {
        prox_tv1d(x, S::from_f64(0.5), out);
    }
    fn jvp(x: &[f64], dx: &[f64], out: &mut [f64]) {
        prox_tv1d_jvp(x, 0.5, dx, 0.0, out);
    }
}

/// A deterministic signal in about `[−2, 2]` with repeated values and level changes.
fn signal() -> Vec<f64> {
    (0..N)
        .map(|i| ((i / 50) % 5) as f64 - 2.0 + 0.3 * (i as f64 * 0.37).sin())
        .collect()
}

fn bench<P: Primitive>(c: &mut Criterion) {
    let x = signal();
    let dx: Vec<f64> = (0..N).map(|i| (i % 3) as f64 - 1.0).collect();
    let xd: Vec<Dual<f64>> = x.iter().zip(&dx).map(|(&v, &d)| Dual::new(v, d)).collect();
    let xv: Vec<DualVec<f64, 4>> = (0..N).map(|i| DualVec::variable(x[i], i % 4)).collect();
    let mut g = c.benchmark_group(P::NAME);
    let mut out = vec![0.0; N];
    g.bench_function("f64", |b| b.iter(|| P::eval(black_box(&x), &mut out)));
    let mut od = vec![Dual::constant(0.0); N];
    g.bench_function("Dual", |b| b.iter(|| P::eval(black_box(&xd), &mut od)));
    let mut ov = vec![DualVec::constant(0.0); N];
    g.bench_function("DualVec4", |b| b.iter(|| P::eval(black_box(&xv), &mut ov)));
    g.bench_function("jvp_f64", |b| {
        b.iter(|| P::jvp(black_box(&x), &dx, &mut out))
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    bench::<SoftThreshold>(c);
    bench::<Block>(c);
    bench::<Simplex>(c);
    bench::<Tv>(c);
}

criterion_group!(nonsmooth, benches);
criterion_main!(nonsmooth);
