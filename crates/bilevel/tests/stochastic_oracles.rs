//! The minibatch oracles of `stochastic` against independent references: the weighted mean of a
//! minibatch estimate over all batches of a partition is the full-batch derivative (unbiased,
//! to rounding); each derivative matches central finite differences; the full-batch gradient
//! (matrix–vector products and per-sample reverse mode on any scalar) matches the oracle's
//! (one tape over the samples); the full-batch hypergradient matches finite differences of
//! `h(θ)`.

use hypergrad_ad::Dual;
use hypergrad_bilevel::stochastic::{
    batch_mean, dim_z, FiniteSum, FirstOrder, FullBatch, LogisticRegression, Minibatches, Oracle,
    SecondOrder, SoftmaxRegression,
};
use hypergrad_bilevel::{hypergradient, Method, Options};
use hypergrad_optim::{FixedPointMap, SolverParams};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

fn gaussian(n: usize, p: usize, seed: u64) -> Array2<f64> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    Array2::from_shape_fn((n, p), |_| rng.sample::<f64, _>(StandardNormal))
}

fn vector(n: usize, scale: f64, seed: u64) -> Vec<f64> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..n)
        .map(|_| scale * rng.sample::<f64, _>(StandardNormal))
        .collect()
}

fn logistic() -> LogisticRegression {
    let a = gaussian(23, 4, 1);
    let y: Vec<f64> = (0..23)
        .map(|i| {
            if (a[[i, 0]] - a[[i, 2]]) > 0.3 {
                1.0
            } else {
                -1.0
            }
        })
        .collect();
    LogisticRegression::per_feature_ridge(a, &y).unwrap()
}

fn softmax() -> SoftmaxRegression {
    let a = gaussian(19, 3, 2);
    let y: Vec<usize> = (0..19).map(|i| (i * 7) % 4).collect();
    SoftmaxRegression::hyper_cleaning(a, &y, 4, 0.1).unwrap()
}

fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).powi(2))
        .sum::<f64>()
        .sqrt()
}

fn norm(a: &[f64]) -> f64 {
    a.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// A point `(z, θ, v)` of the right sizes, away from any symmetry.
fn point<F: FiniteSum>(f: &F) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let p = dim_z(f);
    (
        vector(p, 0.7, 10),
        vector(f.dim_theta(), 0.8, 11),
        vector(p, 1.0, 12),
    )
}

/// `(1/N) Σ_B w_B·(estimate of batch B)` equals the full-batch value for every oracle output.
fn check_unbiased<F: FiniteSum>(f: &F, batch_size: usize) {
    let (z, theta, v) = point(f);
    let all: Vec<usize> = (0..f.n_samples()).collect();
    let mut oracle = Oracle::new(f);
    let (mut full1, mut full2) = (FirstOrder::default(), SecondOrder::default());
    oracle.first_order(&all, &z, &theta, &mut full1).unwrap();
    oracle
        .second_order(&all, &z, &theta, &v, &mut full2)
        .unwrap();
    let batches = Minibatches::new(f.n_samples(), batch_size, 5).unwrap();
    let count = batches.len() as f64;
    let mut mean1 = (0.0, vec![0.0; z.len()], vec![0.0; theta.len()]);
    let mut mean2 = (
        vec![0.0; z.len()],
        vec![0.0; z.len()],
        vec![0.0; theta.len()],
    );
    let (mut e1, mut e2) = (FirstOrder::default(), SecondOrder::default());
    let add = |acc: &mut [f64], x: &[f64], w: f64| {
        acc.iter_mut().zip(x).for_each(|(a, x)| *a += w * x / count)
    };
    for b in 0..batches.len() {
        let (batch, w) = (batches.batch(b), batches.weight(b));
        oracle.first_order(batch, &z, &theta, &mut e1).unwrap();
        oracle.second_order(batch, &z, &theta, &v, &mut e2).unwrap();
        mean1.0 += w * e1.value / count;
        add(&mut mean1.1, &e1.grad_z, w);
        add(&mut mean1.2, &e1.grad_theta, w);
        add(&mut mean2.0, &e2.grad_z, w);
        add(&mut mean2.1, &e2.hvp, w);
        add(&mut mean2.2, &e2.cross, w);
    }
    // Sums of O(1) terms in another order: equal to ~1e-15 relative; 1e-12 leaves room for
    // cancellation, while a wrong weight (or a batch counted twice) is off by ≥ 1/N ≈ 0.2.
    let close = |a: &[f64], b: &[f64], what: &str| {
        assert!(
            distance(a, b) <= 1e-12 * norm(b).max(1.0),
            "{what}: {a:?} vs {b:?}"
        );
    };
    close(&[mean1.0], &[full1.value], "value");
    close(&mean1.1, &full1.grad_z, "∇_z");
    close(&mean1.2, &full1.grad_theta, "∇_θ");
    close(&mean2.0, &full2.grad_z, "∇_z (second order)");
    close(&mean2.1, &full2.hvp, "∇²_zz·v");
    close(&mean2.2, &full2.cross, "∇²_θz·v");
    close(&full2.grad_z, &full1.grad_z, "∇_z of both passes");
    assert!(
        norm(&full2.cross) > 1e-3 && norm(&full2.hvp) > 1e-3,
        "trivial test"
    );
}

#[test]
fn minibatch_estimates_average_to_the_full_batch() {
    // 23 samples in batches of 5: sizes 5, 5, 5, 4, 4 (unequal, so the weights matter).
    check_unbiased(&logistic(), 5);
    check_unbiased(&softmax(), 4);
}

/// Every oracle output against central differences on a batch of three samples.
fn check_finite_differences<F: FiniteSum>(f: &F) {
    let (z, theta, v) = point(f);
    let batch = [0, 3, 7];
    let mut oracle = Oracle::new(f);
    let (mut e1, mut e2) = (FirstOrder::default(), SecondOrder::default());
    oracle.first_order(&batch, &z, &theta, &mut e1).unwrap();
    oracle
        .second_order(&batch, &z, &theta, &v, &mut e2)
        .unwrap();
    let h = 1e-5;
    let shifted = |x: &[f64], i: usize, d: f64| {
        let mut x = x.to_vec();
        x[i] += d;
        x
    };
    let value = |z: &[f64], t: &[f64]| batch_mean(f, &batch, z, t);
    // Central differences of smooth O(1) functions with h = 1e-5: truncation h²|f'''| ≈ 1e-10,
    // rounding ε|f|/h ≈ 1e-11; 1e-7 relative is far above both and far below any error of a
    // rule (a missing term or factor is ≥ 1e-2).
    let fd_z: Vec<f64> = (0..z.len())
        .map(|i| {
            (value(&shifted(&z, i, h), &theta) - value(&shifted(&z, i, -h), &theta)) / (2.0 * h)
        })
        .collect();
    let fd_t: Vec<f64> = (0..theta.len())
        .map(|i| {
            (value(&z, &shifted(&theta, i, h)) - value(&z, &shifted(&theta, i, -h))) / (2.0 * h)
        })
        .collect();
    let along = |d: f64| -> Vec<f64> { z.iter().zip(&v).map(|(a, b)| a + d * b).collect() };
    let (mut plus, mut minus) = (FirstOrder::default(), FirstOrder::default());
    oracle
        .first_order(&batch, &along(h), &theta, &mut plus)
        .unwrap();
    oracle
        .first_order(&batch, &along(-h), &theta, &mut minus)
        .unwrap();
    let fd = |a: &[f64], b: &[f64]| -> Vec<f64> {
        a.iter().zip(b).map(|(x, y)| (x - y) / (2.0 * h)).collect()
    };
    let fd_hvp = fd(&plus.grad_z, &minus.grad_z);
    let fd_cross = fd(&plus.grad_theta, &minus.grad_theta);
    for (what, got, want) in [
        ("∇_z", &e1.grad_z, &fd_z),
        ("∇_θ", &e1.grad_theta, &fd_t),
        ("∇²_zz·v", &e2.hvp, &fd_hvp),
        ("∇²_θz·v", &e2.cross, &fd_cross),
    ] {
        assert!(
            distance(got, want) <= 1e-7 * norm(want).max(1.0),
            "{what}: {got:?} vs {want:?}"
        );
    }
}

#[test]
fn oracles_match_finite_differences() {
    check_finite_differences(&logistic());
    check_finite_differences(&softmax());
}

/// The full-batch gradient (two code paths: `matvec` + per-sample reverse mode in `FullBatch`,
/// one tape of per-sample dot products in `Oracle`) on `f64`, and its JVP on `Dual` against
/// the oracle's Hessian–vector product.
fn check_full_batch<F: FiniteSum>(f: &F) {
    let (z, theta, v) = point(f);
    let full = FullBatch::new(f);
    let all: Vec<usize> = (0..f.n_samples()).collect();
    let (mut e1, mut e2) = (FirstOrder::default(), SecondOrder::default());
    let mut oracle = Oracle::new(f);
    oracle.first_order(&all, &z, &theta, &mut e1).unwrap();
    oracle.second_order(&all, &z, &theta, &v, &mut e2).unwrap();
    let mut g = vec![0.0; z.len()];
    full.gradient(&z, &theta, &mut g);
    let zd: Vec<Dual<f64>> = z.iter().zip(&v).map(|(&a, &b)| Dual::new(a, b)).collect();
    let td: Vec<Dual<f64>> = theta.iter().map(|&t| Dual::constant(t)).collect();
    let mut gd = vec![Dual::constant(0.0); z.len()];
    full.gradient(&zd, &td, &mut gd);
    let hv: Vec<f64> = gd.iter().map(|d| d.eps).collect();
    // Both exact up to rounding of O(1) sums.
    assert!(distance(&g, &e1.grad_z) <= 1e-12 * norm(&g).max(1.0));
    assert!(distance(&hv, &e2.hvp) <= 1e-12 * norm(&hv).max(1.0));
    // At the solution, the map's fixed point is the gradient's zero.
    let params = SolverParams {
        tol: 1e-12,
        ..SolverParams::default()
    };
    let solution = full.solve(&theta, None, &params).unwrap();
    assert!(solution.report.converged(), "{:?}", solution.report);
    let mut step = vec![0.0; z.len()];
    full.apply(&solution.x, &theta, &mut step);
    assert!(distance(&step, &solution.x) <= 1e-12);
}

#[test]
fn full_batch_gradient_agrees_with_the_oracle() {
    check_full_batch(&logistic());
    check_full_batch(&softmax());
}

/// `∇h` through `FullBatch` by `Method::Auto` (the full-batch baseline of the stochastic
/// solvers) against central differences of `h`.
#[test]
fn full_batch_hypergradient_matches_finite_differences() {
    let inner = logistic();
    let a = gaussian(17, 4, 3);
    let y: Vec<f64> = (0..17)
        .map(|i| {
            if a[[i, 0]] + a[[i, 1]] > 0.0 {
                1.0
            } else {
                -1.0
            }
        })
        .collect();
    let outer = LogisticRegression::validation(a, &y, 4).unwrap();
    let (map, criterion) = (FullBatch::new(&inner), FullBatch::new(&outer));
    let theta = [-1.0, 0.5, -2.0, 0.0];
    let options = Options {
        inner_tol: 1e-12,
        ..Options::default()
    };
    let g = hypergradient(&map, &criterion, &theta, &Method::Auto, &options).unwrap();
    assert!(g.diagnostics.warnings.is_empty(), "{:?}", g.diagnostics);
    let h = |t: &[f64]| {
        hypergradient(&map, &criterion, t, &Method::OneStep, &options)
            .unwrap()
            .value
    };
    let d = 1e-4;
    let fd: Vec<f64> = (0..4)
        .map(|i| {
            let (mut p, mut m) = (theta.to_vec(), theta.to_vec());
            p[i] += d;
            m[i] -= d;
            (h(&p) - h(&m)) / (2.0 * d)
        })
        .collect();
    // h is known to ~1e-12 (inner ‖∇G‖ ≤ 1e-12), so its central difference to 1e-12/δ = 1e-8,
    // plus the truncation δ²|h'''| ≲ 1e-8; a relative 1e-6 is far above both.
    assert!(
        distance(&g.grad, &fd) <= 1e-6 * norm(&fd),
        "{:?} vs {fd:?}",
        g.grad
    );
}

#[test]
fn bad_batches_and_shapes_are_errors() {
    let f = logistic();
    let mut oracle = Oracle::new(&f);
    let (z, theta, _) = point(&f);
    let mut out = FirstOrder::default();
    assert!(oracle.first_order(&[], &z, &theta, &mut out).is_err());
    assert!(oracle.first_order(&[23], &z, &theta, &mut out).is_err());
    assert!(oracle.first_order(&[0], &z[1..], &theta, &mut out).is_err());
    assert!(Minibatches::new(0, 4, 0).is_err());
    assert!(Minibatches::new(4, 0, 0).is_err());
    assert!(LogisticRegression::per_feature_ridge(gaussian(3, 2, 0), &[1.0, 0.0, 1.0]).is_err());
    assert!(LogisticRegression::per_feature_ridge(gaussian(3, 2, 0), &[1.0, 1.0]).is_err());
    assert!(SoftmaxRegression::hyper_cleaning(gaussian(3, 2, 0), &[0, 1, 3], 3, 0.1).is_err());
    assert!(SoftmaxRegression::hyper_cleaning(gaussian(3, 2, 0), &[0, 1, 2], 3, 0.0).is_err());
    let mut nan = gaussian(3, 2, 0);
    nan[[1, 1]] = f64::NAN;
    assert!(LogisticRegression::per_feature_ridge(nan, &[1.0, -1.0, 1.0]).is_err());
}
