//! Error curves on a smooth quadratic whose every curve is known in closed form, against the
//! library's own methods run with a capped inner solver, and their typed errors.

use hypergrad_ad::Scalar;
use hypergrad_bilevel::curves::{error_curves, CurveOptions, ErrorCurves};
use hypergrad_bilevel::{
    hypergradient, BilevelError, Checkpoints, Criterion, FpadMode, LinearSolver, Method, Options,
};
use hypergrad_optim::FixedPointMap;

/// `H = diag(h)`, so `A = ∂ₓT = I − sH = diag(1 − s·h_j)`: ρ = 0.8, then 0.4 (the second
/// component dies out like 0.5ᵏ relative to the first).
const H: [f64; 4] = [1.0, 0.8, 0.6, 0.2];
const STEP: f64 = 1.0;
const RHO: f64 = 0.8;
/// Columns `b_i`, one per hyperparameter.
const B: [[f64; 4]; 3] = [
    [1.0, -0.5, 0.3, 0.8],
    [0.2, 0.9, -0.4, 0.5],
    [-0.7, 0.1, 0.6, -0.3],
];
const THETA: [f64; 3] = [0.1, -0.3, 0.4];
const TARGET: [f64; 4] = [0.5, -1.0, 0.25, 2.0];

/// Gradient descent on `½xᵀHx − Σᵢ e^{θᵢ} b_iᵀx`: `T(x, θ) = x − s(Hx − Σᵢ e^{θᵢ} bᵢ)`, whose
/// fixed point is `x* = H⁻¹ Σᵢ e^{θᵢ} bᵢ`, linear in each `e^{θᵢ}`.
struct Quadratic;

impl FixedPointMap for Quadratic {
    fn dim_x(&self) -> usize {
        H.len()
    }
    fn dim_theta(&self) -> usize {
        B.len()
    }
    fn apply<S: Scalar>(&self, x: &[S], theta: &[S], out: &mut [S]) {
        for j in 0..H.len() {
            let force: S = (0..B.len())
                .map(|i| theta[i].exp() * S::from_f64(B[i][j]))
                .sum();
            out[j] = x[j] - (x[j] * S::from_f64(H[j]) - force) * S::from_f64(STEP);
        }
    }
}

/// `C(x, θ) = ½‖x − c‖² + ½‖θ‖²`: `∇ₓC = x − c`, `∂_θC = θ`.
struct Distance;

impl Criterion for Distance {
    fn dim_x(&self) -> usize {
        TARGET.len()
    }
    fn value<S: Scalar>(&self, x: &[S], theta: &[S]) -> S {
        let d: S = x
            .iter()
            .zip(TARGET)
            .map(|(&v, c)| (v - S::from_f64(c)) * (v - S::from_f64(c)))
            .sum();
        let t: S = theta.iter().map(|&t| t * t).sum();
        (d + t) * S::from_f64(0.5)
    }
}

/// `J*` columns: `e^{θᵢ} H⁻¹ bᵢ`.
fn exact_jacobian() -> Vec<Vec<f64>> {
    (0..B.len())
        .map(|i| {
            (0..H.len())
                .map(|j| THETA[i].exp() * B[i][j] / H[j])
                .collect()
        })
        .collect()
}

/// `(I − Aᵏ) J*` (the forward-unrolled, FPAD and truncated Jacobians for different `k`).
fn damped(k: usize) -> Vec<Vec<f64>> {
    exact_jacobian()
        .iter()
        .map(|col| {
            col.iter()
                .enumerate()
                .map(|(j, v)| (1.0 - (1.0 - STEP * H[j]).powi(k as i32)) * v)
                .collect()
        })
        .collect()
}

/// `x* = Σᵢ J*ᵢ` and `x_k = (I − Aᵏ)x*` from 0.
fn iterate(k: usize) -> Vec<f64> {
    let j = damped(k);
    (0..H.len()).map(|r| j.iter().map(|c| c[r]).sum()).collect()
}

fn x_star() -> Vec<f64> {
    iterate(100_000)
}

/// `θ + Jᵀ(x − c)`.
fn gradient(j: &[Vec<f64>], x: &[f64]) -> Vec<f64> {
    j.iter()
        .zip(THETA)
        .map(|(col, t)| {
            t + col
                .iter()
                .zip(x)
                .zip(TARGET)
                .map(|((a, x), c)| a * (x - c))
                .sum::<f64>()
        })
        .collect()
}

fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).powi(2))
        .sum::<f64>()
        .sqrt()
}

fn frobenius(a: &[Vec<f64>], b: &[Vec<f64>]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| distance(x, y).powi(2))
        .sum::<f64>()
        .sqrt()
}

/// `B = ∂_θT` columns: `s e^{θᵢ} bᵢ`.
fn one_step_jacobian() -> Vec<Vec<f64>> {
    (0..B.len())
        .map(|i| B[i].iter().map(|b| STEP * THETA[i].exp() * b).collect())
        .collect()
}

const TRUNCATE: usize = 5;
const LAST: usize = 200;

fn methods() -> Vec<Method> {
    vec![
        Method::ForwardUnrolled,
        Method::ReverseUnrolled {
            truncate: None,
            checkpoints: Checkpoints::Full,
        },
        Method::ReverseUnrolled {
            truncate: Some(TRUNCATE),
            checkpoints: Checkpoints::Uniform,
        },
        Method::Fpad {
            mode: FpadMode::Forward,
        },
        Method::Fpad {
            mode: FpadMode::Reverse,
        },
        Method::Implicit {
            linear_solver: LinearSolver::Gmres,
        },
        Method::OneStep,
        Method::JacobianFree,
    ]
}

fn curves() -> ErrorCurves {
    error_curves(
        &Quadratic,
        &Distance,
        &THETA,
        &methods(),
        &CurveOptions::up_to(LAST),
    )
    .unwrap()
}

/// The closed-form (Jacobian, gradient) of `method` after budget `k`.
fn closed_form(method: &Method, k: usize) -> (Vec<Vec<f64>>, Vec<f64>) {
    let j = match method {
        Method::ForwardUnrolled
        | Method::ReverseUnrolled { truncate: None, .. }
        | Method::Fpad { .. } => damped(k),
        Method::ReverseUnrolled {
            truncate: Some(d), ..
        } => damped(k.min(*d)),
        Method::Implicit { .. } => exact_jacobian(),
        _ => one_step_jacobian(),
    };
    // FPAD runs at x*; the others read the criterion at the k-th iterate.
    let x = match method {
        Method::Fpad { .. } => x_star(),
        _ => iterate(k),
    };
    let g = gradient(&j, &x);
    (j, g)
}

/// Tolerance: the reference solves its system to a relative residual of 1e-12 with
/// `‖(I − A)⁻¹‖ = 1/(1 − ρ) = 5`, so it is within ~1e-11 relative of the closed form; the
/// curves' own arithmetic adds ~1e-15 per step over 200 steps. 1e-9 (relative to ‖J*‖ or
/// ‖∇h‖) is above both and below every error the test tells apart (0.8ᵏ ≥ 1e-9 up to
/// k = 90, and the one-step bias is O(1)).
const TOL: f64 = 1e-9;

#[test]
fn every_curve_matches_its_closed_form() {
    let curves = curves();
    let (j_star, x) = (exact_jacobian(), x_star());
    let g_star = gradient(&j_star, &x);
    let reference = &curves.reference;
    let (j_scale, g_scale) = (
        frobenius(&j_star, &vec![vec![0.0; 4]; 3]),
        distance(&g_star, &[0.0; 3]),
    );
    assert!(frobenius(&reference.jacobian, &j_star) <= TOL * j_scale);
    assert!(distance(&reference.grad, &g_star) <= TOL * g_scale);
    assert!(reference.error_estimate < 1e-9, "{reference:?}");
    for curve in &curves.curves {
        assert!(curve.failures.is_empty(), "{:?}", curve.failures);
        assert!(curve.warnings.is_empty(), "{:?}", curve.warnings);
        for (i, &k) in curve.iterations.iter().enumerate() {
            let (j, g) = closed_form(&curve.method, k);
            let ge = distance(&g, &g_star);
            assert!(
                (curve.gradient_error[i] - ge).abs() <= TOL * g_scale,
                "{:?} k = {k}: gradient error {} vs closed form {ge}",
                curve.method,
                curve.gradient_error[i]
            );
            assert!(distance(&curve.gradients[i], &g) <= TOL * g_scale);
            if let Some(errors) = &curve.jacobian_error {
                let je = frobenius(&j, &j_star);
                assert!(
                    (errors[i] - je).abs() <= TOL * j_scale,
                    "{:?} k = {k}: Jacobian error {} vs closed form {je}",
                    curve.method,
                    errors[i]
                );
            }
        }
    }
    // Forward-mode estimates carry the Jacobian, reverse-mode ones the gradient only.
    let forward = [0, 3, 5, 6];
    for (i, curve) in curves.curves.iter().enumerate() {
        assert_eq!(curve.jacobian_error.is_some(), forward.contains(&i));
    }
}

#[test]
fn unrolled_errors_decay_linearly_at_the_contraction_and_end_at_the_reference() {
    let curves = curves();
    // Power iteration stops at a 1 % change.
    assert!((curves.reference.contraction - RHO).abs() <= 0.02 * RHO);
    let forward = curves.curve(&Method::ForwardUnrolled).unwrap();
    // Between k = 20 and 60 the second component (0.4ᵏ) is 2⁻²⁰ ≈ 1e-6 of the first.
    let rate = forward.rate(20, 60).unwrap();
    assert!((rate - RHO).abs() <= 1e-5, "rate {rate}");
    let last = LAST - 1;
    let j_scale = frobenius(&exact_jacobian(), &vec![vec![0.0; 4]; 3]);
    for method in [
        Method::ForwardUnrolled,
        Method::Fpad {
            mode: FpadMode::Forward,
        },
        Method::Implicit {
            linear_solver: LinearSolver::Gmres,
        },
    ] {
        let curve = curves.curve(&method).unwrap();
        let end = curve.jacobian_error.as_ref().unwrap()[last];
        assert!(end <= TOL * j_scale, "{method:?} ends at {end}");
    }
    // Truncated backpropagation stalls at ‖A⁵J*‖ ≈ 0.8⁵‖J*‖: it never reaches the reference.
    let truncated = curves.curves[2].gradient_error[last];
    assert!(truncated > 1e-3, "{truncated}");
    // No support: every iterate reports none, and nothing is "identified".
    assert!(curves
        .iterates
        .iter()
        .all(|i| i.support_identified.is_none()));
    assert_eq!(curves.identified_at(), None);
    // The reference solve stops at a step ≤ 1e-13·‖x‖, within ρ/(1 − ρ) = 4 steps of x*.
    let x_scale = distance(&x_star(), &[0.0; 4]);
    assert!(curves.iterates[last].distance <= 1e-12 * x_scale);
}

/// The curves are the library's methods with the inner solver capped at k (this map's solve
/// iterates T, so the unrolled methods unroll exactly k steps).
#[test]
fn curves_agree_with_the_methods_capped_at_k() {
    let curves = curves();
    for &k in &[1, 3, 17] {
        let options = Options {
            inner_max_iter: k,
            inner_tol: 1e-300,
            ..Options::default()
        };
        for (curve, method) in curves.curves.iter().zip(methods()) {
            if matches!(method, Method::Fpad { .. }) {
                continue; // FPAD's budget is its own recursion at x*, not the inner solve
            }
            let h = hypergradient(&Quadratic, &Distance, &THETA, &method, &options).unwrap();
            let g = &curve.gradients[k - 1];
            assert!(
                distance(&h.grad, g) <= 1e-12 * distance(g, &[0.0; 3]),
                "{method:?} k = {k}: {:?} vs {g:?}",
                h.grad
            );
        }
    }
}

#[test]
fn bad_requests_are_typed_errors() {
    let ok = CurveOptions::up_to(10);
    let run = |theta: &[f64], methods: &[Method], options: &CurveOptions| {
        error_curves(&Quadratic, &Distance, theta, methods, options).unwrap_err()
    };
    let fwd = [Method::ForwardUnrolled];
    assert!(matches!(
        run(&[0.0], &fwd, &ok),
        BilevelError::ShapeMismatch { what: "theta", .. }
    ));
    assert!(matches!(
        run(&THETA, &[Method::Auto], &ok),
        BilevelError::NoCurve { method: "auto", .. }
    ));
    assert!(matches!(
        run(&THETA, &[Method::ImplicitForward], &ok),
        BilevelError::Unsupported { .. }
    ));
    let truncate_zero = Method::ReverseUnrolled {
        truncate: Some(0),
        checkpoints: Checkpoints::Full,
    };
    assert!(matches!(
        run(&THETA, &[truncate_zero], &ok),
        BilevelError::InvalidParameter {
            name: "truncate",
            ..
        }
    ));
    for checkpoints in [
        Checkpoints::Budget(0),
        Checkpoints::Binomial(0),
        Checkpoints::Fit(0),
    ] {
        let no_budget = Method::ReverseUnrolled {
            truncate: None,
            checkpoints,
        };
        assert!(matches!(
            run(&THETA, &[no_budget], &ok),
            BilevelError::InvalidParameter {
                name: "checkpoints",
                ..
            }
        ));
    }
    for iterations in [vec![], vec![0, 1], vec![3, 3], vec![5, 2]] {
        let options = CurveOptions {
            iterations,
            ..ok.clone()
        };
        assert!(matches!(
            run(&THETA, &fwd, &options),
            BilevelError::InvalidParameter {
                name: "iterations",
                ..
            }
        ));
    }
    assert!(CurveOptions::every(0, 10).iterations.is_empty());
    assert_eq!(CurveOptions::every(4, 10).iterations, vec![4, 8, 10]);
    let short_start = CurveOptions {
        start: Some(vec![0.0; 2]),
        ..ok.clone()
    };
    assert!(matches!(
        run(&THETA, &fwd, &short_start),
        BilevelError::ShapeMismatch { what: "start", .. }
    ));
    // A reference the inner solver cannot reach within its cap.
    let capped = CurveOptions {
        options: Options {
            inner_max_iter: 5,
            ..ok.options.clone()
        },
        ..ok.clone()
    };
    assert!(matches!(
        run(&THETA, &fwd, &capped),
        BilevelError::NotConverged {
            what: "the reference inner solve",
            ..
        }
    ));
}

/// `T(x, θ) = e^θ x²`: the fixed point 0 attracts from |x| < e^{−θ}, and iterates from 2
/// overflow after about ten steps.
struct Squaring;

impl FixedPointMap for Squaring {
    fn dim_x(&self) -> usize {
        1
    }
    fn dim_theta(&self) -> usize {
        1
    }
    fn apply<S: Scalar>(&self, x: &[S], theta: &[S], out: &mut [S]) {
        out[0] = theta[0].exp() * x[0] * x[0];
    }
}

struct Value;

impl Criterion for Value {
    fn dim_x(&self) -> usize {
        1
    }
    fn value<S: Scalar>(&self, x: &[S], _theta: &[S]) -> S {
        x[0]
    }
}

#[test]
fn diverging_iterates_are_an_error_not_a_curve() {
    let options = CurveOptions {
        start: Some(vec![2.0]),
        ..CurveOptions::up_to(20)
    };
    let err = error_curves(
        &Squaring,
        &Value,
        &[0.0],
        &[Method::ForwardUnrolled],
        &options,
    )
    .unwrap_err();
    assert!(matches!(err, BilevelError::NonFinite { .. }), "{err:?}");
}
