//! Outer optimizers on analytic objectives with known minimizers.

use hypergrad_bilevel::outer::{
    grid_search, random_search, Adam, GradientDescent, HyperEval, HyperObjective, OuterStop,
    ToleranceSchedule,
};
use hypergrad_bilevel::BilevelError;

/// `h(λ) = Σ (λᵢ − cᵢ)²`; each evaluation counts as one inner iteration.
struct Quadratic {
    center: Vec<f64>,
}

impl HyperObjective for Quadratic {
    fn dim(&self) -> usize {
        self.center.len()
    }
    fn evaluate(&mut self, l: &[f64], _tol: f64) -> Result<HyperEval, BilevelError> {
        let d: Vec<f64> = l.iter().zip(&self.center).map(|(a, c)| a - c).collect();
        let value = d.iter().map(|d| d * d).sum();
        let grad = d.iter().map(|d| 2.0 * d).collect();
        Ok(HyperEval {
            value,
            grad,
            inner_iterations: 1,
            ..HyperEval::default()
        })
    }
}

fn quadratic(center: &[f64]) -> Quadratic {
    Quadratic {
        center: center.to_vec(),
    }
}

#[test]
fn adaptive_gradient_descent_follows_the_seed_rule() {
    // From 2.3 with c = 0: unit steps 2.3 → 1.3 → 0.3 → −0.7, where h increases (0.49 > 0.09):
    // the step 1/‖∇h(0.3)‖ = 1/0.6 is frozen and divided by 10 for the next move.
    let gd = GradientDescent {
        max_steps: 5,
        value_tol: 0.0,
        ..GradientDescent::default()
    };
    let t = gd.run(&mut quadratic(&[0.0]), &[2.3]).unwrap();
    let l: Vec<f64> = t.steps.iter().map(|s| s.log_alpha[0]).collect();
    for (a, e) in l.iter().zip([2.3, 1.3, 0.3, -0.7]) {
        assert!((a - e).abs() < 1e-12, "{l:?}");
    }
    assert!(t.steps[3].value > t.steps[2].value);
    let expected = -0.7 - (1.0 / 0.6) / 10.0 * (2.0 * -0.7);
    assert!((l[4] - expected).abs() < 1e-12, "{} vs {expected}", l[4]);
}

#[test]
fn gradient_descent_and_adam_find_the_minimizer() {
    let center = [-2.0, 1.5];
    let gd = GradientDescent {
        max_steps: 300,
        grad_tol: 1e-6,
        value_tol: 0.0,
        ..GradientDescent::default()
    };
    let t = gd.run(&mut quadratic(&center), &[3.0, -4.0]).unwrap();
    assert_eq!(t.stop, OuterStop::GradientTolerance);
    let best = &t.best().log_alpha;
    assert!(
        best.iter().zip(&center).all(|(a, c)| (a - c).abs() < 1e-6),
        "{best:?}"
    );
    let adam = Adam {
        max_steps: 2000,
        learning_rate: 0.05,
        grad_tol: 1e-6,
        ..Adam::default()
    };
    let t = adam.run(&mut quadratic(&center), &[3.0, -4.0]).unwrap();
    let best = &t.best().log_alpha;
    assert!(
        best.iter().zip(&center).all(|(a, c)| (a - c).abs() < 1e-3),
        "{best:?}"
    );
}

#[test]
fn bounds_are_respected() {
    let gd = GradientDescent {
        bounds: (0.0, 5.0),
        max_steps: 50,
        ..GradientDescent::default()
    };
    let t = gd.run(&mut quadratic(&[-3.0]), &[4.0]).unwrap();
    assert!(t
        .steps
        .iter()
        .all(|s| (0.0..=5.0).contains(&s.log_alpha[0])));
    assert!(t.best().log_alpha[0].abs() < 1e-9, "{:?}", t.best());
}

#[test]
fn grid_and_random_search() {
    let mut q = quadratic(&[0.5, -1.0]);
    let t = grid_search(&mut q, &[(-2.0, 2.0), (-2.0, 2.0)], 9, 1e-6).unwrap();
    assert_eq!(t.steps.len(), 81);
    assert_eq!(t.best().log_alpha, vec![0.5, -1.0]);
    let a = random_search(&mut q, &[(-2.0, 2.0), (-2.0, 2.0)], 200, 1e-6, 3).unwrap();
    let b = random_search(&mut q, &[(-2.0, 2.0), (-2.0, 2.0)], 200, 1e-6, 3).unwrap();
    let c = random_search(&mut q, &[(-2.0, 2.0), (-2.0, 2.0)], 200, 1e-6, 4).unwrap();
    let points = |t: &hypergrad_bilevel::outer::Trajectory| {
        t.steps
            .iter()
            .map(|s| s.log_alpha.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(points(&a), points(&b));
    assert_ne!(points(&a), points(&c));
    assert!(a
        .steps
        .iter()
        .all(|s| s.log_alpha.iter().all(|l| (-2.0..2.0).contains(l))));
    assert!(a.best().value < 0.05);
    assert_eq!(a.steps.last().unwrap().inner_iterations, 200);
}

#[test]
fn schedules_and_bad_parameters() {
    let s = ToleranceSchedule {
        initial: 1e-2,
        decay: 0.1,
        minimum: 1e-5,
    };
    assert!((s.at(1) - 1e-3).abs() < 1e-18 && s.at(0) == 1e-2 && s.at(10) == 1e-5);
    let mut q = quadratic(&[0.0]);
    assert!(GradientDescent {
        max_steps: 0,
        ..GradientDescent::default()
    }
    .run(&mut q, &[1.0])
    .is_err());
    assert!(GradientDescent::default().run(&mut q, &[1.0, 2.0]).is_err());
    assert!(grid_search(&mut q, &[(1.0, 0.0)], 5, 1e-6).is_err());
    assert!(random_search(&mut q, &[(0.0, 1.0)], 0, 1e-6, 1).is_err());
}
