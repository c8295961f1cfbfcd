//! The backtracking line search and projected L-BFGS on analytic objectives with known
//! (projected) minimizers.

use hypergrad_bilevel::outer::{
    HyperEval, HyperObjective, Lbfgs, LineSearch, OuterStop, ToleranceSchedule, Trajectory,
};
use hypergrad_bilevel::BilevelError;

/// `h(λ) = ½ (λ − c)ᵀ A (λ − c)` with `A = [[2, ½], [½, 1]]` (eigenvalues ≈ 2.21, 0.79), so the
/// coordinates are coupled; one inner iteration per evaluation.
struct CoupledQuadratic {
    center: [f64; 2],
}

impl HyperObjective for CoupledQuadratic {
    fn dim(&self) -> usize {
        2
    }
    fn evaluate(&mut self, l: &[f64], _tol: f64) -> Result<HyperEval, BilevelError> {
        let d = [l[0] - self.center[0], l[1] - self.center[1]];
        let grad = vec![2.0 * d[0] + 0.5 * d[1], 0.5 * d[0] + d[1]];
        Ok(HyperEval {
            value: 0.5 * (d[0] * grad[0] + d[1] * grad[1]),
            grad,
            inner_iterations: 1,
            ..HyperEval::default()
        })
    }
}

/// Rosenbrock `h(λ) = (1 − λ₁)² + 100 (λ₂ − λ₁²)²`, minimizer (1, 1), a curved valley.
struct Rosenbrock;

impl HyperObjective for Rosenbrock {
    fn dim(&self) -> usize {
        2
    }
    fn evaluate(&mut self, l: &[f64], _tol: f64) -> Result<HyperEval, BilevelError> {
        let (a, b) = (1.0 - l[0], l[1] - l[0] * l[0]);
        Ok(HyperEval {
            value: a * a + 100.0 * b * b,
            grad: vec![-2.0 * a - 400.0 * l[0] * b, 200.0 * b],
            inner_iterations: 1,
            ..HyperEval::default()
        })
    }
}

fn line_search(max_steps: usize, bounds: (f64, f64), grad_tol: f64) -> LineSearch {
    // Smooth analytic objectives: run to the gradient tolerance, so the value and step
    // tolerances (meant for non-smooth criteria) are off.
    LineSearch {
        max_steps,
        grad_tol,
        value_tol: 0.0,
        step_tol: 0.0,
        schedule: ToleranceSchedule::constant(1e-8),
        bounds,
        ..LineSearch::default()
    }
}

fn lbfgs(max_steps: usize, bounds: (f64, f64), grad_tol: f64) -> Lbfgs {
    Lbfgs {
        line_search: line_search(max_steps, bounds, grad_tol),
        ..Lbfgs::default()
    }
}

fn assert_near(t: &Trajectory, expected: [f64; 2], tol: f64) {
    let best = &t.best().log_alpha;
    assert!(
        best.iter().zip(expected).all(|(a, e)| (a - e).abs() < tol),
        "{best:?} vs {expected:?} ({:?} after {} evaluations)",
        t.stop,
        t.steps.len()
    );
}

#[test]
fn interior_minimizer_of_a_coupled_quadratic() {
    let mut q = CoupledQuadratic {
        center: [-2.0, 1.5],
    };
    // The gradient tolerance 1e-9 bounds the distance to the minimizer by 1e-9 / λ_min(A)
    // ≈ 1.3e-9; 1e-8 leaves room for rounding.
    let t = line_search(500, (-30.0, 30.0), 1e-9)
        .run(&mut q, &[3.0, -4.0])
        .unwrap();
    assert_eq!(t.stop, OuterStop::GradientTolerance);
    assert_near(&t, [-2.0, 1.5], 1e-8);
    // Accepted iterates decrease h and the run ends on an accepted iterate: the last is best.
    assert_eq!(t.best, t.steps.len() - 1);
    let quasi_newton = lbfgs(100, (-30.0, 30.0), 1e-9)
        .run(&mut q, &[3.0, -4.0])
        .unwrap();
    assert_eq!(quasi_newton.stop, OuterStop::GradientTolerance);
    assert_near(&quasi_newton, [-2.0, 1.5], 1e-8);
    println!(
        "coupled quadratic: line search {} evaluations, L-BFGS {}",
        t.steps.len(),
        quasi_newton.steps.len()
    );
    // Two curvature pairs determine a 2-D quadratic: L-BFGS needs far fewer evaluations.
    assert!(2 * quasi_newton.steps.len() < t.steps.len());
}

#[test]
fn active_bound_on_a_coupled_quadratic() {
    // Centre (3, −1) outside the box [−2, 2]²: with λ₁ = 2 at its upper bound, ∂h/∂λ₂ = 0 gives
    // λ₂ = −1 − ½(2 − 3) = −0.5, and ∂h/∂λ₁ = 2(2 − 3) + ½(−0.5 + 1) = −1.75 < 0 pushes
    // outward: (2, −0.5) is the KKT point (the projection of the centre, (2, −1), is not).
    // h(KKT) ≈ 0.9 does not vanish, so h stagnates in rounding once λ is within ~√ε ≈ 1e-8;
    // the projected gradient tolerance is 1e-6: ‖P(λ − g) − λ‖ ≤ 1e-6 bounds |λ₁ − 2| by 1e-6
    // and, with ∂²h/∂λ₂² = 1, |λ₂ + 0.5| by about 1e-6 (asserted with a factor 2 of margin).
    let mut q = CoupledQuadratic {
        center: [3.0, -1.0],
    };
    for (name, t) in [
        (
            "line search",
            line_search(500, (-2.0, 2.0), 1e-6).run(&mut q, &[-1.0, 1.0]),
        ),
        (
            "L-BFGS",
            lbfgs(100, (-2.0, 2.0), 1e-6).run(&mut q, &[-1.0, 1.0]),
        ),
    ] {
        let t = t.unwrap();
        assert_eq!(t.stop, OuterStop::GradientTolerance, "{name}");
        assert_near(&t, [2.0, -0.5], 2e-6);
        assert!(t
            .steps
            .iter()
            .all(|s| s.log_alpha.iter().all(|l| (-2.0..=2.0).contains(l))));
    }
}

#[test]
fn lbfgs_solves_rosenbrock_and_beats_the_line_search() {
    // Near (1, 1) the Hessian has eigenvalues ≈ 0.4 and 1002, so ‖∇h‖ ≤ 1e-9 puts λ within
    // ~1e-9 / 0.4 ≈ 2.5e-9 of the minimizer.
    let t = lbfgs(500, (-5.0, 5.0), 1e-9)
        .run(&mut Rosenbrock, &[-1.2, 1.0])
        .unwrap();
    assert_eq!(t.stop, OuterStop::GradientTolerance);
    assert_near(&t, [1.0, 1.0], 1e-7);
    let ls = line_search(500, (-5.0, 5.0), 1e-9)
        .run(&mut Rosenbrock, &[-1.2, 1.0])
        .unwrap();
    println!(
        "Rosenbrock: L-BFGS {} evaluations, line search {} evaluations ({:?}, best {:.3e})",
        t.steps.len(),
        ls.steps.len(),
        ls.stop,
        ls.best().value
    );
    assert!(t.steps.len() < ls.steps.len());
}

#[test]
fn rosenbrock_with_the_minimizer_cut_off_by_the_box() {
    // On [−2, 0.5]², h(0.5, λ₂) = 0.25 + 100(λ₂ − 0.25)² is minimal at λ₂ = 0.25, where
    // ∂h/∂λ₁ = −2·0.5 − 0 = −1 < 0 pushes λ₁ past its upper bound: (0.5, 0.25) is the KKT point.
    // Projected gradient ≤ 1e-6 bounds |λ₁ − 0.5| by 1e-6 and, with ∂²h/∂λ₂² = 200, |λ₂ − 0.25|
    // by ~5e-9 (h ≈ 0.25 stagnates in rounding far below that, hence not 1e-9).
    let t = lbfgs(500, (-2.0, 0.5), 1e-6)
        .run(&mut Rosenbrock, &[-1.2, 0.4])
        .unwrap();
    assert_eq!(t.stop, OuterStop::GradientTolerance);
    assert_near(&t, [0.5, 0.25], 2e-6);
}

#[test]
fn trials_are_recorded_and_the_budget_is_respected() {
    let mut q = CoupledQuadratic {
        center: [-2.0, 1.5],
    };
    for max_steps in [1, 2, 7] {
        let t = line_search(max_steps, (-30.0, 30.0), 1e-9)
            .run(&mut q, &[3.0, -4.0])
            .unwrap();
        assert_eq!(t.steps.len(), max_steps);
        assert_eq!(t.stop, OuterStop::MaxSteps);
        assert_eq!(t.steps.last().unwrap().inner_iterations, max_steps);
        let t = lbfgs(max_steps, (-30.0, 30.0), 1e-9)
            .run(&mut q, &[3.0, -4.0])
            .unwrap();
        assert_eq!(t.steps.len(), max_steps);
    }
    // The first trial is a unit move in λ (step 1/‖∇h‖).
    let t = line_search(2, (-30.0, 30.0), 1e-9)
        .run(&mut q, &[3.0, -4.0])
        .unwrap();
    let (a, b) = (&t.steps[0].log_alpha, &t.steps[1].log_alpha);
    let moved = ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
    assert!((moved - 1.0).abs() < 1e-12, "{moved}");
}

/// `h(λ) = 1 + |λ − 0.3|` reporting the gradient −1 everywhere: wrong for λ > 0.3, as an
/// inexact hypergradient can be.
struct Misleading;

impl HyperObjective for Misleading {
    fn dim(&self) -> usize {
        1
    }
    fn evaluate(&mut self, l: &[f64], _tol: f64) -> Result<HyperEval, BilevelError> {
        Ok(HyperEval {
            value: 1.0 + (l[0] - 0.3).abs(),
            grad: vec![-1.0],
            inner_iterations: 1,
            ..HyperEval::default()
        })
    }
}

#[test]
fn a_failed_search_is_reported() {
    // At λ = 0.3 the reported gradient −1 is wrong on the right (h increases there) so every
    // trial λ + t fails Armijo: the run must stop with OuterStop::LineSearch, not loop.
    for t in [
        line_search(100, (-30.0, 30.0), 1e-9).run(&mut Misleading, &[0.3]),
        lbfgs(100, (-30.0, 30.0), 1e-9).run(&mut Misleading, &[0.3]),
    ] {
        let t = t.unwrap();
        assert_eq!(t.stop, OuterStop::LineSearch);
        // One evaluation plus the first trial and its 10 halvings.
        assert_eq!(t.steps.len(), 12);
    }
}

#[test]
fn invalid_parameters_are_errors() {
    let mut q = CoupledQuadratic { center: [0.0, 0.0] };
    let bad = |r: Result<Trajectory, BilevelError>, name: &str| {
        assert!(
            matches!(r, Err(BilevelError::InvalidParameter { name: n, .. }) if n == name),
            "{name}"
        );
    };
    for c in [0.0, 1.0, f64::NAN] {
        let ls = LineSearch {
            sufficient_decrease: c,
            ..LineSearch::default()
        };
        bad(ls.run(&mut q, &[1.0, 1.0]), "sufficient_decrease");
    }
    let ls = LineSearch {
        max_steps: 0,
        ..LineSearch::default()
    };
    bad(ls.run(&mut q, &[1.0, 1.0]), "max_steps");
    let ls = LineSearch {
        bounds: (1.0, -1.0),
        ..LineSearch::default()
    };
    bad(ls.run(&mut q, &[1.0, 1.0]), "bounds");
    let l = Lbfgs {
        memory: 0,
        ..Lbfgs::default()
    };
    bad(l.run(&mut q, &[1.0, 1.0]), "memory");
    assert!(matches!(
        Lbfgs::default().run(&mut q, &[1.0]),
        Err(BilevelError::ShapeMismatch { .. })
    ));
}

/// `h(λ) = λ²/2`, `h' = λ`.
struct Parabola;

impl HyperObjective for Parabola {
    fn dim(&self) -> usize {
        1
    }
    fn evaluate(&mut self, l: &[f64], _tol: f64) -> Result<HyperEval, BilevelError> {
        Ok(HyperEval {
            value: 0.5 * l[0] * l[0],
            grad: vec![l[0]],
            inner_iterations: 1,
            ..HyperEval::default()
        })
    }
}

#[test]
fn line_search_doubles_the_last_accepted_step_and_halves_on_failure() {
    // From 3: t = 1/3 → 2 (accepted); t = 2/3 → 2 − 4/3 = 2/3; t = 4/3 → 2/3 − 8/9 = −2/9;
    // t = 8/3 → −2/9 + 16/27 = 10/27, where h = 0.0686 > h(−2/9) = 0.0247: rejected, halved to
    // t = 4/3 → −2/9 + 8/27 = 2/27 (accepted).
    let t = line_search(6, (-30.0, 30.0), 1e-9)
        .run(&mut Parabola, &[3.0])
        .unwrap();
    let l: Vec<f64> = t.steps.iter().map(|s| s.log_alpha[0]).collect();
    let expected = [3.0, 2.0, 2.0 / 3.0, -2.0 / 9.0, 10.0 / 27.0, 2.0 / 27.0];
    assert_eq!(l.len(), expected.len());
    for (a, e) in l.iter().zip(expected) {
        assert!((a - e).abs() < 1e-12, "{l:?}");
    }
}

/// `h(λ) = |λ − 1| + 0.1·λ²`-like kink: `h = 2|λ − 1| + (λ − 1)/2`, minimum at 1 where the
/// gradient jumps from −1.5 to 2.5 (a support change in a Lasso criterion looks like this).
struct Kink;

impl HyperObjective for Kink {
    fn dim(&self) -> usize {
        1
    }
    fn evaluate(&mut self, l: &[f64], _tol: f64) -> Result<HyperEval, BilevelError> {
        let d = l[0] - 1.0;
        Ok(HyperEval {
            value: 2.0 * d.abs() + 0.5 * d,
            grad: vec![2.0 * d.signum() + 0.5],
            inner_iterations: 1,
            ..HyperEval::default()
        })
    }
}

#[test]
fn the_step_tolerance_ends_the_search_at_a_kink() {
    let lbfgs = |ls: LineSearch| {
        Lbfgs {
            line_search: ls,
            ..Lbfgs::default()
        }
        .run(&mut Kink, &[3.0])
        .unwrap()
    };
    let steepest = |ls: LineSearch| ls.run(&mut Kink, &[3.0]).unwrap();
    let off = || LineSearch {
        step_tol: 0.0,
        ..LineSearch::default()
    };
    for (name, run) in [
        ("lbfgs", &lbfgs as &dyn Fn(LineSearch) -> Trajectory),
        ("steepest", &steepest),
    ] {
        // The gradient never vanishes: the search ends when its trial steps shrink below
        // step_tol, within step_tol of the kink.
        let stopped = run(LineSearch::default());
        assert_eq!(
            stopped.stop,
            OuterStop::StepTolerance,
            "{name}: {stopped:?}"
        );
        assert!(
            (stopped.best().log_alpha[0] - 1.0).abs() < 1e-3,
            "{name}: {stopped:?}"
        );
        // Without it the halvings run out instead, no sooner.
        let exhausted = run(off());
        assert_eq!(
            exhausted.stop,
            OuterStop::LineSearch,
            "{name}: {exhausted:?}"
        );
        assert!(exhausted.steps.len() >= stopped.steps.len(), "{name}");
    }
}
