//! HOAG: convergence on an analytic objective and on the held-out Lasso of the diabetes data
//! (against a fine grid and L-BFGS), and its behaviour when a step is rejected (the step halves,
//! the inner tolerance is tightened, the iterate stays), the step cap and the settings checks.

use hypergrad_bilevel::outer::{
    grid_search, Bilevel, Hoag, HyperEval, HyperObjective, Lbfgs, LineSearch, OuterStop,
    ToleranceSchedule,
};
use hypergrad_bilevel::{BilevelError, HeldOutMse, Method, Options};
use hypergrad_optim::data::{diabetes, standardize, train_validation_split};
use hypergrad_optim::Lasso;
use ndarray::Array1;

/// A one-dimensional objective given by a closure, recording every λ and inner tolerance it is
/// evaluated at.
struct Recorded<F> {
    h: F,
    calls: Vec<(f64, f64)>,
}

impl<F: Fn(f64) -> (f64, f64)> HyperObjective for Recorded<F> {
    fn dim(&self) -> usize {
        1
    }
    fn evaluate(&mut self, l: &[f64], tol: f64) -> Result<HyperEval, BilevelError> {
        self.calls.push((l[0], tol));
        let (value, grad) = (self.h)(l[0]);
        Ok(HyperEval {
            value,
            grad: vec![grad],
            inner_iterations: 1,
            ..HyperEval::default()
        })
    }
}

fn recorded<F: Fn(f64) -> (f64, f64)>(h: F) -> Recorded<F> {
    Recorded {
        h,
        calls: Vec::new(),
    }
}

#[test]
fn hoag_finds_the_minimizer_of_a_quadratic() {
    // h = (λ − 1.7)²: L = 2. From 4 the first step is a unit move (L₀ = |g₀|), then the
    // estimate halves per accepted step with sufficient decrease, and a step short of it
    // (L below the curvature) reads the curvature 2 off the two values: the next step is exact.
    let hoag = Hoag {
        grad_tol: 1e-9,
        value_tol: 0.0,
        step_tol: 0.0,
        max_steps: 200,
        ..Hoag::default()
    };
    let mut h = recorded(|l| ((l - 1.7) * (l - 1.7), 2.0 * (l - 1.7)));
    let run = hoag.run(&mut h, &[4.0]).unwrap();
    assert_eq!(run.stop, OuterStop::GradientTolerance);
    assert!((run.best().log_alpha[0] - 1.7).abs() < 1e-9);
    assert!(
        (h.calls[1].0 - 3.0).abs() < 1e-15,
        "first trial {}",
        h.calls[1].0
    );
    assert!(run.steps.len() < 15, "{} evaluations", run.steps.len());
}

#[test]
fn a_rejected_step_halves_the_step_and_tightens_the_tolerance() {
    // h = (λ − 0.3)² + 50·max(λ − 0.5, 0)²: from 0, g = −0.6 and L₀ = 0.6, so the first trial is
    // λ = 1, on the wall: h = 12.99 ≫ 0.09 + noise (0.25·1e-4·12.99 = 3e-4): rejected, and 0 is
    // evaluated again at the halved tolerance 0.5·1e-4. The next trial is from 0 with L = 1.2:
    // λ = 0.5 at the halved tolerance of the schedule's step 1, 0.5·(1e-4·0.5); h = 0.04 ≤ 0.09
    // is accepted but short of the sufficient decrease 0.09 − ½·1.2·0.25, so L takes the
    // curvature the two values show, 2(0.04 − 0.09 + 0.6·0.5)/0.5² = 2 (within [L, 2L]): the
    // next trial 0.5 − 0.4/2 = 0.3 is the minimizer, at 0.5·(1e-4·0.25).
    let h = |l: f64| {
        let wall = (l - 0.5).max(0.0);
        (
            (l - 0.3) * (l - 0.3) + 50.0 * wall * wall,
            2.0 * (l - 0.3) + 100.0 * wall,
        )
    };
    let hoag = Hoag {
        max_steps: 5,
        ..Hoag::default()
    };
    let mut objective = recorded(h);
    let run = hoag.run(&mut objective, &[0.0]).unwrap();
    let calls = &objective.calls;
    let lambdas: Vec<f64> = calls.iter().map(|c| c.0).collect();
    let tolerances: Vec<f64> = calls.iter().map(|c| c.1).collect();
    assert_eq!(calls.len(), 5);
    for (got, want) in lambdas.iter().zip([0.0, 1.0, 0.0, 0.5, 0.3]) {
        assert!((got - want).abs() < 1e-12, "{lambdas:?}");
    }
    assert_eq!(tolerances, [1e-4, 5e-5, 5e-5, 2.5e-5, 1.25e-5]);
    assert_eq!(run.stop, OuterStop::MaxSteps);
    assert_eq!(run.best, 4);
}

#[test]
fn the_step_cap_bounds_every_move_and_settings_are_checked() {
    let hoag = Hoag {
        max_log_step: 0.25,
        max_steps: 10,
        ..Hoag::default()
    };
    let mut h = recorded(|l| (l * l, 2.0 * l));
    hoag.run(&mut h, &[5.0]).unwrap();
    for w in h.calls.windows(2) {
        assert!((w[1].0 - w[0].0).abs() <= 0.25 + 1e-15);
    }
    for bad in [
        Hoag {
            growth: 1.0,
            ..Hoag::default()
        },
        Hoag {
            slack: -1.0,
            ..Hoag::default()
        },
        Hoag {
            max_log_step: 0.0,
            ..Hoag::default()
        },
        Hoag {
            max_steps: 0,
            ..Hoag::default()
        },
    ] {
        let e = bad
            .run(&mut recorded(|l| (l * l, 2.0 * l)), &[1.0])
            .unwrap_err();
        assert!(matches!(e, BilevelError::InvalidParameter { .. }), "{e}");
    }
    let e = Hoag::default()
        .run(&mut recorded(|l| (l * l, 2.0 * l)), &[1.0, 2.0])
        .unwrap_err();
    assert!(matches!(e, BilevelError::ShapeMismatch { .. }));
}

/// The Lasso on a standardized 67 / 33 split of diabetes with centered targets.
fn diabetes_lasso() -> (Lasso, HeldOutMse, f64) {
    let (mut train, mut val) = train_validation_split(&diabetes(), 0.33, 0).unwrap();
    standardize(&mut train, &mut val).unwrap();
    let mean = train.y.iter().sum::<f64>() / train.y.len() as f64;
    let center = |y: &[f64]| Array1::from_iter(y.iter().map(|v| v - mean));
    let lasso = Lasso::new(train.x, center(&train.y).view()).unwrap();
    let criterion = HeldOutMse::new(val.x, center(&val.y).view()).unwrap();
    let alpha_max = lasso.alpha_max();
    (lasso, criterion, alpha_max)
}

/// HOAG and L-BFGS from 0.9·α_max (h is 76 % above its minimum there, the optimum 3.2 units
/// of log α away) both end at or below the best of a 100-point grid over [α_max/10⁴, α_max]
/// (up to 1e-4 relative: the grid's best, at its finest tolerance, is at α = 1.61, the
/// continuous optimum at α ≈ 1.69 is 1.3e-5 lower) with at most a third of its solves, and
/// within 1e-4 of each other (measured: 11 and 12 evaluations, equal to 6 digits).
#[test]
fn hoag_matches_the_grid_and_lbfgs_on_diabetes() {
    let (lasso, criterion, alpha_max) = diabetes_lasso();
    let bounds = ((alpha_max / 1e4).ln(), alpha_max.ln());
    let start = [(alpha_max * 0.9).ln()];
    let options = Options {
        jacobian_tol: 1e-8,
        ..Options::default()
    };
    let schedule = ToleranceSchedule {
        initial: 1e-5,
        decay: 0.5,
        minimum: 1e-8,
    };
    let objective = || Bilevel::new(&lasso, &criterion, Method::ImplicitForward, options.clone());
    let grid = grid_search(&mut objective(), &[bounds], 100, 1e-8).unwrap();
    let hoag = Hoag {
        max_steps: 33,
        schedule,
        bounds,
        ..Hoag::default()
    };
    let run = hoag.run(&mut objective(), &start).unwrap();
    let lbfgs = Lbfgs {
        line_search: LineSearch {
            max_steps: 33,
            schedule,
            bounds,
            ..LineSearch::default()
        },
        ..Lbfgs::default()
    };
    let quasi_newton = lbfgs.run(&mut objective(), &start).unwrap();
    let (best, grid_best, lbfgs_best) = (run.best(), grid.best(), quasi_newton.best());
    println!(
        "grid {:.5} at α = {:.4e}; HOAG {:.5} at α = {:.4e} in {} evaluations ({:?}); L-BFGS {:.5} in {}",
        grid_best.value,
        grid_best.log_alpha[0].exp(),
        best.value,
        best.log_alpha[0].exp(),
        run.steps.len(),
        run.stop,
        lbfgs_best.value,
        quasi_newton.steps.len()
    );
    assert!(run.steps.len() * 3 <= grid.steps.len());
    assert!(best.value <= (1.0 + 1e-4) * grid_best.value);
    assert!((best.value - lbfgs_best.value).abs() <= 1e-4 * lbfgs_best.value);
}
