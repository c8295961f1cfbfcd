//! Every hypergradient method against every other and against central finite differences of
//! h(θ) = C(x*(θ), θ) in log α, on Lasso-type models (dense and sparse designs).
//!
//! Tolerance: on a fixed support x*(α) is smooth (affine in α for the Lasso), so the central
//! difference with δ = 1e-4 has truncation error ≈ δ²/6·|h'''| ≈ 1e-9 relative, and the inner
//! solve at the machine-precision tolerance leaves x* errors ≈ 1e-13 that δ amplifies to
//! ≈ 1e-9. The methods' own residual tolerance is 1e-12. 1e-5 relative (the bar)
//! leaves a wide margin over these bounds, yet a wrong Jacobian (sign, missing term, wrong
//! support) misses it by orders of magnitude.

use hypergrad::bilevel::{
    hypergradient, Checkpoints, Criterion, FpadMode, HeldOutLogistic, HeldOutMse, LinearSolver,
    Method, Options, Warning,
};
use hypergrad::optim::{Design, ElasticNet, FixedPointMap, Lasso, SparseLogistic, WeightedLasso};
use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use sprs::CsMat;

const METHODS: [Method; 11] = [
    Method::Auto,
    Method::ForwardUnrolled,
    Method::ReverseUnrolled {
        truncate: None,
        checkpoints: Checkpoints::Full,
    },
    Method::ReverseUnrolled {
        truncate: None,
        checkpoints: Checkpoints::Uniform,
    },
    Method::Fpad {
        mode: FpadMode::Forward,
    },
    Method::Fpad {
        mode: FpadMode::Reverse,
    },
    Method::ImplicitForward,
    Method::Implicit {
        linear_solver: LinearSolver::Bicgstab,
    },
    Method::Implicit {
        linear_solver: LinearSolver::Neumann,
    },
    Method::Implicit {
        linear_solver: LinearSolver::Dense,
    },
    Method::OneStep,
];

fn options() -> Options {
    Options {
        inner_tol: 1e-15,
        jacobian_tol: 1e-12,
        ..Options::default()
    }
}

/// A seeded Gaussian design with a sparse ground truth; labels ±1 when `classify`.
fn data(n: usize, p: usize, seed: u64, classify: bool) -> (Array2<f64>, Array1<f64>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((n, p), |_| rng.sample::<f64, _>(StandardNormal));
    let beta: Vec<f64> = (0..p)
        .map(|j| if j < 4 { 1.5 - 0.5 * j as f64 } else { 0.0 })
        .collect();
    let y = Array1::from_shape_fn(n, |i| {
        let z: f64 = (0..p).map(|j| x[[i, j]] * beta[j]).sum::<f64>()
            + 0.3 * rng.sample::<f64, _>(StandardNormal);
        if classify {
            z.signum()
        } else {
            z
        }
    });
    (x, y)
}

fn design(x: &Array2<f64>, sparse: bool) -> Design {
    if sparse {
        Design::sparse(CsMat::csr_from_dense(x.view(), 0.0)).unwrap()
    } else {
        Design::dense(x.clone()).unwrap()
    }
}

/// Checks every method against central differences of h and reports the gradients.
fn check_all<P: FixedPointMap, C: Criterion>(problem: &P, criterion: &C, theta: &[f64]) {
    let opts = options();
    let reference = hypergradient(
        problem,
        criterion,
        theta,
        &Method::Fpad {
            mode: FpadMode::Forward,
        },
        &opts,
    )
    .unwrap();
    assert!(
        reference.diagnostics.margin.unwrap() > 0.0,
        "degenerate test point"
    );
    let support = reference.diagnostics.support_size;
    for i in 0..theta.len() {
        let delta = 1e-4;
        let h_at = |d: f64| {
            let mut t = theta.to_vec();
            t[i] += d;
            let r = hypergradient(problem, criterion, &t, &Method::OneStep, &opts).unwrap();
            assert_eq!(
                r.diagnostics.support_size, support,
                "support changed within ±δ"
            );
            r.value
        };
        let fd = (h_at(delta) - h_at(-delta)) / (2.0 * delta);
        let scale = fd.abs().max(1e-3);
        for method in METHODS.iter().filter(|m| **m != Method::OneStep) {
            let h = hypergradient(problem, criterion, theta, method, &opts).unwrap();
            assert!(
                (h.grad[i] - fd).abs() <= 1e-5 * scale,
                "{}: dh/dθ_{i} = {} vs finite differences {fd}",
                method.name(),
                h.grad[i]
            );
            assert!((h.value - reference.value).abs() <= 1e-10 * reference.value.abs());
            assert!(
                !h.diagnostics
                    .warnings
                    .iter()
                    .any(|w| matches!(w, Warning::JacobianNotConverged { .. })),
                "{}: {:?}",
                method.name(),
                h.diagnostics
            );
        }
    }
}

#[test]
fn lasso_dense_and_sparse() {
    let (x, y) = data(60, 30, 1, false);
    let (xv, yv) = data(40, 30, 2, false);
    for sparse in [false, true] {
        let lasso = Lasso::new(design(&x, sparse), y.view()).unwrap();
        let theta = [(lasso.alpha_max() / 8.0).ln()];
        let val = HeldOutMse::new(design(&xv, sparse), yv.view()).unwrap();
        check_all(&lasso, &val, &theta);
    }
}

#[test]
fn elastic_net_two_hyperparameters() {
    let (x, y) = data(60, 30, 3, false);
    let (xv, yv) = data(40, 30, 4, false);
    for sparse in [false, true] {
        let enet = ElasticNet::new(design(&x, sparse), y.view()).unwrap();
        let theta = [(enet.alpha_max() / 8.0).ln(), 0.1_f64.ln()];
        let val = HeldOutMse::new(design(&xv, sparse), yv.view()).unwrap();
        check_all(&enet, &val, &theta);
    }
}

/// scikit-learn's parametrization, one α and a fixed ratio r: every method against finite
/// differences, and the chain rule `∂h/∂log α = ∂h/∂log α₁ + ∂h/∂log α₂` at `α₁ = rα`,
/// `α₂ = (1 − r)α` against the two-hyperparameter model.
#[test]
fn elastic_net_with_a_fixed_l1_ratio() {
    let (x, y) = data(60, 30, 3, false);
    let (xv, yv) = data(40, 30, 4, false);
    let r = 0.4;
    for sparse in [false, true] {
        let mixed = ElasticNet::with_l1_ratio(design(&x, sparse), y.view(), r).unwrap();
        let alpha = mixed.alpha_max() / r / 8.0;
        let val = HeldOutMse::new(design(&xv, sparse), yv.view()).unwrap();
        check_all(&mixed, &val, &[alpha.ln()]);
        let two = ElasticNet::new(design(&x, sparse), y.view()).unwrap();
        let split = [(r * alpha).ln(), ((1.0 - r) * alpha).ln()];
        let method = Method::ImplicitForward;
        let a = hypergradient(&mixed, &val, &[alpha.ln()], &method, &options()).unwrap();
        let b = hypergradient(&two, &val, &split, &method, &options()).unwrap();
        assert!((a.value - b.value).abs() <= 1e-12 * b.value);
        let chain = b.grad[0] + b.grad[1];
        assert!(
            (a.grad[0] - chain).abs() <= 1e-8 * chain.abs(),
            "{a:?} vs {chain}"
        );
    }
}

#[test]
fn weighted_lasso_one_hyperparameter_per_feature() {
    let (x, y) = data(60, 12, 5, false);
    let (xv, yv) = data(40, 12, 6, false);
    let alpha_max = Lasso::new(design(&x, false), y.view()).unwrap().alpha_max();
    let theta: Vec<f64> = (0..12)
        .map(|j| (alpha_max / (6.0 + j as f64)).ln())
        .collect();
    for sparse in [false, true] {
        let wlasso = WeightedLasso::new(design(&x, sparse), y.view()).unwrap();
        let val = HeldOutMse::new(design(&xv, sparse), yv.view()).unwrap();
        check_all(&wlasso, &val, &theta);
    }
}

#[test]
fn sparse_logistic_regression() {
    let (x, y) = data(80, 20, 7, true);
    let (xv, yv) = data(50, 20, 8, true);
    for sparse in [false, true] {
        let model = SparseLogistic::new(design(&x, sparse), y.view()).unwrap();
        let theta = [(model.alpha_max() / 6.0).ln()];
        let val = HeldOutLogistic::new(design(&xv, sparse), yv.view()).unwrap();
        check_all(&model, &val, &theta);
    }
}

/// With an unpenalized intercept (unbalanced labels, `P(y = 1) = σ(xᵀβ* − 1)`): the state is
/// `[β, b]`, the held-out loss predicts with b, and every method differentiates through the
/// intercept coordinate — on a dense, a sparse and an implicitly centered sparse design.
#[test]
fn sparse_logistic_regression_with_an_intercept() {
    let shifted = |(x, z): (Array2<f64>, Array1<f64>)| (x, z.mapv(|v| (v - 1.0).signum()));
    let (x, y) = shifted(data(80, 20, 17, false));
    let (xv, yv) = shifted(data(50, 20, 18, false));
    let centered = |x: &Array2<f64>| {
        let shift = vec![0.25; x.ncols()];
        let raw = x + 0.25;
        Design::centered(CsMat::csc_from_dense(raw.view(), 0.0), shift).unwrap()
    };
    let mut values = Vec::new();
    for build in [
        &(|x: &Array2<f64>| design(x, false)) as &dyn Fn(&Array2<f64>) -> Design,
        &|x: &Array2<f64>| design(x, true),
        &centered,
    ] {
        let model = SparseLogistic::with_intercept(build(&x), y.view()).unwrap();
        let theta = [(model.alpha_max() / 6.0).ln()];
        let val = HeldOutLogistic::with_intercept(build(&xv), yv.view()).unwrap();
        assert_eq!((model.dim_x(), val.dim_x()), (21, 21));
        check_all(&model, &val, &theta);
        let h = hypergradient(&model, &val, &theta, &Method::ImplicitForward, &options()).unwrap();
        assert!(
            h.x[20].abs() > 0.1,
            "the intercept matters here: {}",
            h.x[20]
        );
        values.push((h.value, h.grad[0]));
    }
    // The three designs hold the same matrix (the centered one up to rounding of x + ¼ − ¼).
    for (v, g) in &values[1..] {
        assert!((v - values[0].0).abs() <= 1e-10 * values[0].0.abs());
        assert!((g - values[0].1).abs() <= 1e-7 * values[0].1.abs());
    }
}

/// `Method::Auto` on the ℓ1 least-squares models solves the optimality system on the support
/// directly (`solution_vjp`); it agrees with implicit-forward (Neumann iterations of the
/// sweep's Jacobian, another method) to 1e-9 relative at a Jacobian tolerance of 1e-12 — both
/// solve the same linear system, one iteratively — with an error estimate covering the
/// distance, and hands over to the iterative forms when the support is too large (> 128).
#[test]
fn auto_solves_the_support_system_directly() {
    let (x, y) = data(80, 60, 11, false);
    let (xv, yv) = data(50, 60, 12, false);
    let val = HeldOutMse::new(design(&xv, false), yv.view()).unwrap();
    let lasso = Lasso::new(design(&x, false), y.view()).unwrap();
    let enet = ElasticNet::new(design(&x, true), y.view()).unwrap();
    let weighted = WeightedLasso::new(design(&x, false), y.view()).unwrap();
    let a = lasso.alpha_max() / 6.0;
    let loose = Options {
        inner_tol: 1e-6,
        ..options()
    };
    let check = |name: &str,
                 auto: &hypergrad::bilevel::Hypergradient,
                 iterative: &hypergrad::bilevel::Hypergradient| {
        assert!(
            auto.diagnostics
                .choice
                .contains("direct factorization on the support"),
            "{name}: {}",
            auto.diagnostics.choice
        );
        let diff = auto
            .grad
            .iter()
            .zip(&iterative.grad)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt();
        let scale = iterative.grad.iter().map(|g| g * g).sum::<f64>().sqrt();
        assert!(
            diff <= 1e-9 * scale,
            "{name}: {:?} vs {:?}",
            auto.grad,
            iterative.grad
        );
    };
    let run = |m: &Method, opts: &Options| {
        (
            hypergradient(&lasso, &val, &[a.ln()], m, opts).unwrap(),
            hypergradient(&enet, &val, &[a.ln(), (0.1 * a).ln()], m, opts).unwrap(),
            hypergradient(&weighted, &val, &vec![a.ln(); 60], m, opts).unwrap(),
        )
    };
    let (l, e, w) = run(&Method::Auto, &options());
    let (li, ei, wi) = run(&Method::ImplicitForward, &options());
    check("lasso", &l, &li);
    check("enet", &e, &ei);
    check("weighted", &w, &wi);
    // An early-stopped solve: the estimate still covers the distance to the tight gradient.
    let (l_loose, ..) = run(&Method::Auto, &loose);
    let truth = (l_loose.grad[0] - li.grad[0]).abs() / li.grad[0].abs();
    assert!(
        truth > 1e-12,
        "the loose solve must make a difference: {truth:e}"
    );
    assert!(
        l_loose.diagnostics.error_estimate >= truth,
        "{} < {truth:e}",
        l_loose.diagnostics.error_estimate
    );
    // A support above the size limit: the forward form on the support.
    let (x, y) = data(400, 200, 13, false);
    let (xv, yv) = data(50, 200, 14, false);
    let large = Lasso::new(design(&x, false), y.view()).unwrap();
    let val = HeldOutMse::new(design(&xv, false), yv.view()).unwrap();
    let theta = [(large.alpha_max() / 1000.0).ln()];
    let h = hypergradient(&large, &val, &theta, &Method::Auto, &options()).unwrap();
    assert!(h.diagnostics.support_size.unwrap() > 128);
    assert!(
        h.diagnostics.choice.contains("forward form"),
        "{}",
        h.diagnostics.choice
    );
}

/// `HeldOutMse::gradient_on` (the columns of the support only) equals the full gradient on
/// those coordinates, dense and sparse, to rounding (the same sums in another grouping).
#[test]
fn criterion_gradient_on_a_support_matches_the_full_gradient() {
    let (xv, yv) = data(50, 30, 15, false);
    for sparse in [false, true] {
        let val = HeldOutMse::new(design(&xv, sparse), yv.view()).unwrap();
        let coords = [2, 5, 11, 29];
        let mut x = vec![0.0; 30];
        coords.iter().for_each(|&j| x[j] = 0.5 - j as f64 / 30.0);
        let (full, _) = val.gradient(&x, &[]);
        let (on, _) = val.gradient_on(&x, &[], &coords);
        for j in 0..30 {
            let expected = if coords.contains(&j) { full[j] } else { 0.0 };
            assert!(
                (on[j] - expected).abs() <= 1e-14 * (1.0 + full[j].abs()),
                "{j}: {} vs {expected}",
                on[j]
            );
        }
    }
}

#[test]
fn one_step_is_an_approximation_on_coordinate_descent() {
    // ∂ₓT(x*) ≠ 0 for a coordinate-descent sweep, so one-step differentiation is biased:
    // it must not be mistaken for the exact gradient.
    let (x, y) = data(60, 30, 1, false);
    let (xv, yv) = data(40, 30, 2, false);
    let lasso = Lasso::new(design(&x, false), y.view()).unwrap();
    let theta = [(lasso.alpha_max() / 8.0).ln()];
    let val = HeldOutMse::new(design(&xv, false), yv.view()).unwrap();
    let exact = hypergradient(&lasso, &val, &theta, &Method::ImplicitForward, &options()).unwrap();
    let one = hypergradient(&lasso, &val, &theta, &Method::OneStep, &options()).unwrap();
    let free = hypergradient(&lasso, &val, &theta, &Method::JacobianFree, &options()).unwrap();
    // The same sum Σ_j ∇ⱼC·∂_θT_j, formed forward (dual numbers, in index order) and backward
    // (a tape sweep, in reverse order): equal up to the rounding of 30 terms.
    assert!((one.grad[0] - free.grad[0]).abs() <= 1e-14 * free.grad[0].abs());
    assert!((one.grad[0] - exact.grad[0]).abs() > 1e-3 * exact.grad[0].abs());
}

#[test]
fn bad_inputs_are_typed_errors() {
    let (x, y) = data(20, 5, 9, false);
    let lasso = Lasso::new(design(&x, false), y.view()).unwrap();
    let val = HeldOutMse::new(design(&x, false), y.view()).unwrap();
    let opts = options();
    assert!(hypergradient(
        &lasso,
        &val,
        &[0.0, 1.0],
        &Method::Fpad {
            mode: FpadMode::Forward
        },
        &opts
    )
    .is_err());
    assert!(hypergradient(
        &lasso,
        &val,
        &[f64::NAN],
        &Method::Fpad {
            mode: FpadMode::Forward
        },
        &opts
    )
    .is_err());
    // A criterion may read fewer entries than the state (the leading ones), never more.
    let (x7, y7) = data(20, 7, 9, false);
    let val7 = HeldOutMse::new(design(&x7, false), y7.view()).unwrap();
    assert!(hypergradient(
        &lasso,
        &val7,
        &[0.0],
        &Method::Fpad {
            mode: FpadMode::Forward
        },
        &opts
    )
    .is_err());
    let bad = Options {
        jacobian_tol: 0.0,
        ..opts
    };
    assert!(hypergradient(
        &lasso,
        &val,
        &[0.0],
        &Method::Fpad {
            mode: FpadMode::Forward
        },
        &bad
    )
    .is_err());
}

#[test]
fn reverse_unrolling_stores_order_sqrt_k_states() {
    let (x, y) = data(60, 30, 1, false);
    let (xv, yv) = data(40, 30, 2, false);
    let lasso = Lasso::new(design(&x, false), y.view()).unwrap();
    let theta = [(lasso.alpha_max() / 50.0).ln()];
    let val = HeldOutMse::new(design(&xv, false), yv.view()).unwrap();
    let opts = options();
    let full = Method::ReverseUnrolled {
        truncate: None,
        checkpoints: Checkpoints::Full,
    };
    let uniform = Method::ReverseUnrolled {
        truncate: None,
        checkpoints: Checkpoints::Uniform,
    };
    let a = hypergradient(&lasso, &val, &theta, &full, &opts).unwrap();
    let b = hypergradient(&lasso, &val, &theta, &uniform, &opts).unwrap();
    // Truncated backpropagation through the last step only is a different (biased) estimate;
    // its tape holds one step and the criterion, which splits the full tape into a fixed part
    // (inputs, criterion) and a per-step part.
    let one = Method::ReverseUnrolled {
        truncate: Some(1),
        checkpoints: Checkpoints::Full,
    };
    let t = hypergradient(&lasso, &val, &theta, &one, &opts).unwrap();
    let k = a.diagnostics.inner.iterations;
    assert!(k >= 16, "too few iterations ({k}) to tell √K from K");
    let (ta, tb) = (a.diagnostics.tape.unwrap(), b.diagnostics.tape.unwrap());
    let one_step = t.diagnostics.tape.unwrap().peak.nodes;
    let per_step = (ta.peak.nodes - one_step) / (k - 1);
    let fixed = one_step - per_step;
    let root = (k as f64).sqrt().ceil() as usize;
    assert!(
        tb.stored_states <= root + 1,
        "{} states for K = {k}",
        tb.stored_states
    );
    // Uniform checkpointing records one segment of about √K steps at a time.
    assert!(
        tb.peak.nodes <= fixed + 2 * root * per_step && 2 * root < k,
        "{:?} vs {:?} ({fixed} fixed nodes, {per_step} per step, K = {k})",
        tb.peak,
        ta.peak
    );
    assert_eq!(a.grad, b.grad, "checkpointing must not change the gradient");
    assert!((t.grad[0] - a.grad[0]).abs() > 1e-6 * a.grad[0].abs());
}
