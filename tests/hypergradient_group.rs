//! The group Lasso and the multitask Lasso through `hypergradient`, dense and sparse designs,
//! by every family of method, against central finite differences of the held-out error.

use hypergrad::bilevel::{
    hypergradient, Criterion, FpadMode, HeldOutMse, HeldOutMultitaskMse, LinearSolver, Method,
    Options, Warning,
};
use hypergrad::optim::{Design, FixedPointMap, GroupLasso, MultiTaskLasso};
use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

/// A sparse-ish Gaussian design (30 % non-zeros) as a dense or a CSC design.
fn design(n: usize, p: usize, seed: u64, sparse: bool) -> (Design, Array2<f64>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((n, p), |_| {
        if rng.gen::<f64>() < 0.3 {
            rng.sample::<f64, _>(StandardNormal)
        } else {
            0.0
        }
    });
    let d = if sparse {
        Design::sparse(sprs::CsMat::csr_from_dense(x.view(), 0.0).to_csc()).unwrap()
    } else {
        Design::dense(x.clone()).unwrap()
    };
    (d, x)
}

/// `y = X β* + noise`, β* non-zero on the first group / rows.
fn targets(x: &Array2<f64>, tasks: usize, seed: u64) -> Array2<f64> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let beta = Array2::from_shape_fn((x.ncols(), tasks), |(j, t)| {
        if j < 4 {
            1.0 + 0.5 * t as f64 - 0.3 * j as f64
        } else {
            0.0
        }
    });
    x.dot(&beta)
        + Array2::from_shape_fn((x.nrows(), tasks), |_| {
            0.1 * rng.sample::<f64, _>(StandardNormal)
        })
}

fn options() -> Options {
    Options {
        inner_tol: 1e-14,
        jacobian_tol: 1e-12,
        ..Options::default()
    }
}

const METHODS: [Method; 5] = [
    Method::Auto,
    Method::ImplicitForward,
    Method::Implicit {
        linear_solver: LinearSolver::Bicgstab,
    },
    Method::ForwardUnrolled,
    Method::Fpad {
        mode: FpadMode::Reverse,
    },
];

/// Every method against central differences; the support must not change within ±δ.
///
/// Tolerance: the inner solves stop at a relative gap of 1e-14, so h is known to ~1e-13
/// relative and its central difference at δ = 1e-4 to ~1e-9 relative, plus the truncation
/// δ²h'''/6 ≲ 1e-8 (h is piecewise smooth in log α on a fixed support); 1e-6 relative sits
/// above both and below a dropped term of the derivative (> 1e-2 here).
fn check<P: FixedPointMap, C: Criterion>(problem: &P, criterion: &C, theta: f64) {
    let value = |t: f64| {
        hypergradient(problem, criterion, &[t], &Method::OneStep, &options())
            .unwrap()
            .value
    };
    let delta = 1e-4;
    let fd = (value(theta + delta) - value(theta - delta)) / (2.0 * delta);
    let reference = hypergradient(problem, criterion, &[theta], &Method::Auto, &options()).unwrap();
    let support = reference.diagnostics.support_size.unwrap();
    assert!(support > 0 && reference.diagnostics.margin.unwrap() > 0.0);
    for t in [theta - delta, theta + delta] {
        let h = hypergradient(problem, criterion, &[t], &Method::OneStep, &options()).unwrap();
        assert_eq!(
            h.diagnostics.support_size,
            Some(support),
            "support changed within ±δ"
        );
    }
    for method in METHODS {
        let h = hypergradient(problem, criterion, &[theta], &method, &options()).unwrap();
        let g = h.grad[0];
        assert!(
            (g - fd).abs() <= 1e-6 * fd.abs(),
            "{method:?}: {g} vs fd {fd}"
        );
        // Unrolling lags the solve's own convergence a little (its derivative converges like
        // kρᵏ): a bias below the tolerance above may be reported, nothing else.
        let small_bias =
            |w: &Warning| matches!(w, Warning::Biased { relative } if *relative < 1e-6);
        assert!(
            h.diagnostics.warnings.iter().all(small_bias),
            "{method:?}: {:?}",
            h.diagnostics
        );
    }
}

#[test]
fn group_lasso_hypergradients_match_finite_differences() {
    for sparse in [false, true] {
        let (x, dense) = design(60, 12, 1, sparse);
        let (xv, dense_v) = design(40, 12, 2, sparse);
        let y: Array1<f64> = targets(&dense, 1, 3).column(0).to_owned();
        let yv: Array1<f64> = targets(&dense_v, 1, 4).column(0).to_owned();
        let groups: Vec<Vec<usize>> = (0..4).map(|g| (3 * g..3 * g + 3).collect()).collect();
        let model = GroupLasso::new(x, y.view(), groups).unwrap();
        let criterion = HeldOutMse::new(xv, yv.view()).unwrap();
        check(&model, &criterion, (model.alpha_max() / 6.0).ln());
    }
}

#[test]
fn multitask_lasso_hypergradients_match_finite_differences() {
    for sparse in [false, true] {
        let (x, dense) = design(60, 10, 5, sparse);
        let (xv, dense_v) = design(40, 10, 6, sparse);
        let model = MultiTaskLasso::new(x, targets(&dense, 3, 7).view()).unwrap();
        let criterion = HeldOutMultitaskMse::new(xv, targets(&dense_v, 3, 8).view()).unwrap();
        check(&model, &criterion, (model.alpha_max() / 6.0).ln());
    }
}
