//! Non-smooth primitives on `n = 1000` inputs, every row a ratio against the `f64` evaluation of
//! the same primitive: one forward JVP (`Dual<f64>`: value and tangent), four JVPs at once
//! (`DualVec<f64, 4>`), the hand-written `f64` generalized derivative (`*_jvp`, tangent only),
//! and reverse mode (`Var<f64>`: record on a reused tape, one sweep for a VJP).
//!
//! Measured (criterion medians of one run, `--warm-up-time 1 --measurement-time 2`, shared
//! 2-core machine; across runs the f64 baselines moved by up to 1.8×, so read the ratios):
//!
//! | primitive | f64 | Dual | DualVec<4> | `*_jvp` (f64) | Var: record + VJP |
//! | --- | --- | --- | --- | --- | --- |
//! | soft_threshold_slice | 852 ns | 920 ns (1.08×) | 1.13 µs (1.33×) | 811 ns (0.95×) | 13.5 µs (15.8×) |
//! | block_soft_threshold | 1.22 µs | 1.70 µs (1.40×) | 3.86 µs (3.2×) | 1.39 µs (1.14×) | 35.0 µs (28.6×) |
//! | project_simplex | 15.4 µs | 19.8 µs (1.29×) | 18.7 µs (1.22×) | 15.1 µs (0.98×) | 27.2 µs (1.77×) |
//! | prox_tv1d | 13.0 µs | 13.4 µs (1.03×) | 14.7 µs (1.13×) | 18.4 µs (1.42×) | 41.2 µs (3.2×) |
//!
//! The simplex projection and the TV prox are dominated by the primal combinatorics (sort,
//! segment search on `f64`), which every mode shares; the generic recomputation on the support or
//! the segments costs little, so AD is nearly free there (ratios below 1, or the TV `*_jvp`
//! above the Dual pass, are measurement noise). The tape pays one node per scalar operation of
//! the generic code (e.g. `Σ xᵢ²` and the scaling in the block prox); composite tape nodes for
//! these primitives would remove most of that.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use hypergrad_ad::nonsmooth::*;
use hypergrad_ad::{Dual, DualVec, Scalar, Tape, Var};

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
    let mut tape = Tape::<f64>::with_capacity(8 * N);
    g.bench_function("Var_vjp", |b| {
        b.iter(|| {
            tape.clear();
            let xs = tape.vars(black_box(&x));
            let mut ov = vec![Var::constant(0.0); N];
            P::eval(&xs, &mut ov);
            let seeds: Vec<_> = ov.iter().zip(&dx).map(|(&y, &w)| (y, w)).collect();
            tape.reverse(&seeds).expect("variables of this tape");
            tape.adjoint(xs[0])
        })
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
