//! The error estimate on a suite of cases (methods × models × tolerances from 1e-4 to 1e-12,
//! one-step on gradient descent, CG on a non-symmetric map, an early-stopped inner solve):
//! the estimate must be at least the true relative error (against a tight reference) in every
//! case, and within 100× of it where the true error is above 1e-12. A mutation (a Jacobian
//! broken by 1 %) must make the check fail: the estimate is measured with the same operator,
//! so only the comparison with an independent reference can see it — the test of the test.

mod common;

use common::{data, ridge_logistic, HeavyBall};
use hypergrad::ad::Scalar;
use hypergrad::bilevel::{
    hypergradient, Checkpoints, Criterion, FpadMode, HeldOutLogistic, HeldOutMse, LinearSolver,
    Method, Options, Warning,
};
use hypergrad::optim::solvers::{GradientStep, NewtonStep};
use hypergrad::optim::{
    Design, ElasticNet, FixedPointMap, Lasso, Solution, SolverParams, SparseLogistic, WeightedLasso,
};
use ndarray::Array1;

/// One measured case.
#[derive(Debug)]
struct Row {
    case: String,
    truth: f64,
    estimate: f64,
    /// The reference's own estimated error, relative to this gradient.
    slack: f64,
    /// The estimate's parts, for the report of a failure.
    parts: hypergrad::bilevel::ErrorParts,
}

impl Row {
    /// `estimate ≥ truth` (up to the reference's own error), and within 100× where it is
    /// measurable (above 1e-12 and above the reference's error).
    fn holds(&self) -> bool {
        let above = self.estimate + self.slack >= self.truth;
        let measurable = self.truth > 1e-12 && self.truth > 10.0 * self.slack;
        let tight = !measurable || self.estimate <= 100.0 * self.truth;
        above && tight
    }
}

const TIGHT: Method = Method::Implicit {
    linear_solver: LinearSolver::Dense,
};

/// (inner tolerance, Jacobian tolerance, inner iteration cap).
const SETTINGS: [(f64, f64, usize); 6] = [
    (1e-4, 1e-10, 100_000),
    (1e-8, 1e-10, 100_000),
    (1e-12, 1e-4, 100_000),
    (1e-12, 1e-8, 100_000),
    (1e-12, 1e-12, 100_000),
    (1e-12, 1e-10, 4), // early-stopped inner solve
];

fn methods(sparse: bool) -> Vec<Method> {
    let mut all = vec![
        Method::Auto,
        Method::Implicit {
            linear_solver: LinearSolver::Bicgstab,
        },
        Method::Implicit {
            linear_solver: LinearSolver::Gmres,
        },
        Method::Implicit {
            linear_solver: LinearSolver::ConjugateGradient,
        },
        Method::Fpad {
            mode: FpadMode::Forward,
        },
        Method::Fpad {
            mode: FpadMode::Reverse,
        },
        Method::ForwardUnrolled,
        Method::ReverseUnrolled {
            truncate: None,
            checkpoints: Checkpoints::Full,
        },
        Method::ReverseUnrolled {
            truncate: Some(10),
            checkpoints: Checkpoints::Full,
        },
        Method::OneStep,
        Method::JacobianFree,
    ];
    if sparse {
        all.push(Method::ImplicitForward);
    }
    all
}

fn measure<P: FixedPointMap, C: Criterion>(
    name: &str,
    problem: &P,
    criterion: &C,
    theta: &[f64],
    methods: &[Method],
    rows: &mut Vec<Row>,
) {
    let tight = Options {
        inner_tol: 1e-15,
        jacobian_tol: 1e-15,
        inner_max_iter: 1_000_000,
        ..Options::default()
    };
    let reference = hypergradient(problem, criterion, theta, &TIGHT, &tight).unwrap();
    let ref_norm = norm(&reference.grad);
    for &(inner_tol, jacobian_tol, inner_max_iter) in &SETTINGS {
        let options = Options {
            inner_tol,
            jacobian_tol,
            inner_max_iter,
            ..Options::default()
        };
        for method in methods {
            let h = hypergradient(problem, criterion, theta, method, &options).unwrap();
            let g_norm = norm(&h.grad);
            let diff: Vec<f64> = h
                .grad
                .iter()
                .zip(&reference.grad)
                .map(|(a, b)| a - b)
                .collect();
            rows.push(Row {
                case: format!(
                    "{name} {method:?} inner {inner_tol:e}/{inner_max_iter} jac {jacobian_tol:e}"
                ),
                truth: norm(&diff) / g_norm,
                estimate: h.diagnostics.error_estimate,
                slack: reference.diagnostics.error_estimate * ref_norm / g_norm,
                parts: h.diagnostics.error_parts,
            });
        }
    }
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

fn regression() -> (Design, Array1<f64>, HeldOutMse) {
    let (a, y) = data(60, 25, 11);
    let (av, yv) = data(40, 25, 12);
    // Regression targets: the ±1 labels plus a linear signal.
    let signal = |a: &ndarray::Array2<f64>, y: &Array1<f64>| {
        y + &a.column(0) * 2.0 - a.column(3) + &a.column(7) * 0.5
    };
    let (y, yv) = (signal(&a, &y), signal(&av, &yv));
    let val = HeldOutMse::new(Design::dense(av).unwrap(), yv.view()).unwrap();
    (Design::dense(a).unwrap(), y, val)
}

/// Every case of the suite.
fn suite(rows: &mut Vec<Row>) {
    let (x, y, val) = regression();
    let lasso = Lasso::new(x.clone(), y.view()).unwrap();
    let lam = (lasso.alpha_max() / 8.0).ln();
    measure("lasso", &lasso, &val, &[lam], &methods(true), rows);
    let enet = ElasticNet::new(x.clone(), y.view()).unwrap();
    measure("enet", &enet, &val, &[lam, -1.0], &methods(true), rows);
    let wlasso = WeightedLasso::new(x.clone(), y.view()).unwrap();
    let weights: Vec<f64> = (0..25).map(|j| lam + 0.05 * (j % 5) as f64).collect();
    measure("wlasso", &wlasso, &val, &weights, &methods(true), rows);

    let (a, labels) = data(80, 10, 13);
    let (av, lv) = data(50, 10, 14);
    let logistic = SparseLogistic::new(Design::dense(a).unwrap(), labels.view()).unwrap();
    let held_out = HeldOutLogistic::new(Design::dense(av).unwrap(), lv.view()).unwrap();
    let lam = (logistic.alpha_max() / 10.0).ln();
    measure(
        "sparse-logistic",
        &logistic,
        &held_out,
        &[lam],
        &methods(true),
        rows,
    );

    let (heavy, criterion) = heavy_ball();
    measure(
        "heavy-ball",
        &heavy,
        &criterion,
        &[-1.5],
        &methods(false),
        rows,
    );

    let (objective, criterion) = ridge_logistic();
    let gd = GradientStep {
        objective: &objective,
        step: 1.0,
    };
    measure(
        "gradient-descent",
        &gd,
        &criterion,
        &[0.05_f64.ln()],
        &methods(false),
        rows,
    );
    let newton = NewtonStep {
        objective: &objective,
    };
    let few = [
        Method::Auto,
        Method::OneStep,
        TIGHT,
        Method::ForwardUnrolled,
    ];
    measure("newton", &newton, &criterion, &[0.05_f64.ln()], &few, rows);
}

fn heavy_ball() -> (HeavyBall, HeldOutLogistic) {
    let (a, y) = data(200, 20, 1);
    let (av, yv) = data(100, 20, 2);
    let solver = HeavyBall {
        a,
        y,
        step: 1.0,
        momentum: 0.5,
        per_feature: false,
    };
    (
        solver,
        HeldOutLogistic::new(Design::dense(av).unwrap(), yv.view()).unwrap(),
    )
}

#[test]
fn the_error_estimate_bounds_the_true_error_within_two_orders_of_magnitude() {
    let mut rows = Vec::new();
    suite(&mut rows);
    let failures: Vec<&Row> = rows.iter().filter(|r| !r.holds()).collect();
    let worst_ratio = rows
        .iter()
        .filter(|r| r.truth > 1e-12 && r.truth > 10.0 * r.slack)
        .map(|r| r.estimate / r.truth)
        .fold(0.0_f64, f64::max);
    let lowest_ratio = rows
        .iter()
        .filter(|r| r.truth > 1e-12 && r.truth > 10.0 * r.slack)
        .map(|r| r.estimate / r.truth)
        .fold(f64::INFINITY, f64::min);
    println!(
        "{} cases, estimate / true error within [{lowest_ratio:.2}, {worst_ratio:.1}] where measurable",
        rows.len()
    );
    for r in &failures {
        println!(
            "FAIL {:<90} truth {:9.2e} estimate {:9.2e} ratio {:8.2e} {:?}",
            r.case,
            r.truth,
            r.estimate,
            r.estimate / r.truth,
            r.parts
        );
    }
    assert!(failures.is_empty(), "{} failures", failures.len());
}

/// `T` with its derivative scaled by 1.01 and its value unchanged:
/// `T̃(x) = 1.01·T(x) − 0.01·T(value(x))`.
struct Broken<'a, M>(&'a M);

impl<M: FixedPointMap> FixedPointMap for Broken<'_, M> {
    fn dim_x(&self) -> usize {
        self.0.dim_x()
    }
    fn dim_theta(&self) -> usize {
        self.0.dim_theta()
    }
    fn apply<S: Scalar>(&self, x: &[S], theta: &[S], out: &mut [S]) {
        self.0.apply(x, theta, out);
        let primal = |v: &[S]| v.iter().map(|s| s.to_f64_value()).collect::<Vec<f64>>();
        let mut plain = vec![0.0; out.len()];
        self.0.apply(&primal(x), &primal(theta), &mut plain);
        for (o, p) in out.iter_mut().zip(plain) {
            *o = *o * S::from_f64(1.01) - S::from_f64(0.01 * p);
        }
    }
    fn solve(
        &self,
        theta: &[f64],
        warm: Option<&[f64]>,
        params: &SolverParams,
    ) -> Result<Solution, hypergrad::optim::OptimError> {
        self.0.solve(theta, warm, params)
    }
    fn support(&self, x: &[f64]) -> Option<Vec<usize>> {
        self.0.support(x)
    }
}

#[test]
fn a_jacobian_broken_by_one_percent_fails_the_check() {
    let (x, y, val) = regression();
    let lasso = Lasso::new(x, y.view()).unwrap();
    let lam = (lasso.alpha_max() / 8.0).ln();
    let tight = Options {
        inner_tol: 1e-14,
        jacobian_tol: 1e-14,
        ..Options::default()
    };
    let reference = hypergradient(&lasso, &val, &[lam], &TIGHT, &tight).unwrap();
    let broken = hypergradient(
        &Broken(&lasso),
        &val,
        &[lam],
        &Method::ImplicitForward,
        &tight,
    )
    .unwrap();
    let truth = (broken.grad[0] - reference.grad[0]).abs() / broken.grad[0].abs();
    let row = Row {
        case: "broken lasso".into(),
        truth,
        estimate: broken.diagnostics.error_estimate,
        slack: reference.diagnostics.error_estimate,
        parts: broken.diagnostics.error_parts,
    };
    assert!(
        truth > 1e-3,
        "the mutation must change the gradient: {row:?}"
    );
    assert!(
        !row.holds(),
        "the check must fail on a broken Jacobian: {row:?}"
    );
}

/// An early-stopped solve whose support misses coordinates the map still moves: the warning
/// names them, and the estimate covers the gradient's true error (measured against the tight
/// reference); a converged solve has neither.
#[test]
fn an_unidentified_support_is_reported_with_its_error() {
    let (x, y, val) = regression();
    let lasso = Lasso::new(x, y.view()).unwrap();
    let theta = [(lasso.alpha_max() / 8.0).ln()];
    let tight = Options {
        inner_tol: 1e-15,
        jacobian_tol: 1e-15,
        inner_max_iter: 1_000_000,
        ..Options::default()
    };
    let reference = hypergradient(&lasso, &val, &theta, &TIGHT, &tight).unwrap();
    let early = Options {
        inner_tol: 1e-12,
        inner_max_iter: 4,
        ..Options::default()
    };
    let unidentified = |h: &hypergrad::bilevel::Hypergradient| {
        h.diagnostics
            .warnings
            .iter()
            .any(|w| matches!(w, Warning::SupportNotIdentified { .. }))
    };
    let h = hypergradient(&lasso, &val, &theta, &Method::Auto, &early).unwrap();
    let diff: Vec<f64> = h
        .grad
        .iter()
        .zip(&reference.grad)
        .map(|(a, b)| a - b)
        .collect();
    let truth = norm(&diff) / norm(&h.grad);
    assert!(unidentified(&h), "{:?}", h.diagnostics.warnings);
    assert!(
        truth > 1e-3,
        "the case must be wrong enough to matter: {truth:e}"
    );
    assert!(h.diagnostics.error_estimate >= truth);
    let h = hypergradient(&lasso, &val, &theta, &Method::Auto, &Options::default()).unwrap();
    assert!(!unidentified(&h), "{:?}", h.diagnostics.warnings);
}
