//! Projected descent with a backtracking (Armijo) line search on `h(λ)`: the driver shared by
//! [`LineSearch`] (steepest descent) and [`super::Lbfgs`] (quasi-Newton directions).

use super::gradient_descent::{clip, validate};
use super::{
    check_dim, HyperEval, HyperObjective, OuterStop, Recorder, ToleranceSchedule, Trajectory,
};
use crate::linalg::norm;
use crate::BilevelError;

/// Gradient descent on `h(λ)` with a projected backtracking (Armijo) line search.
///
/// At the iterate `λ` with gradient `g = ∇h(λ)`, the trial points are the projected steps
/// `λ(t) = P(λ − t·g)` onto the box `bounds`, accepted when
///
/// `h(λ(t)) ≤ h(λ) + c·gᵀ(λ(t) − λ)`   (`= h(λ) − c·t‖g‖²` away from the bounds),
///
/// else `t ← t/2`, at most `max_halvings` times. The first trial step is `1/‖g‖` (a unit move in
/// `λ`), later ones twice the last accepted step. Coordinates at a bound whose gradient pushes
/// outward are held fixed. Every trial is an evaluation, recorded in the trajectory and counted
/// in `max_steps`. Stops: the projected gradient `‖P(λ − g) − λ‖ ≤ grad_tol` (`= ‖g‖` in the
/// interior); an accepted step changing `h` by at most `value_tol·|h|`; no sufficient decrease
/// after `max_halvings` halvings ([`OuterStop::LineSearch`]); a trial step below `step_tol` in
/// every `log α` ([`OuterStop::StepTolerance`]); `max_steps` evaluations. The
/// inner tolerance of outer iteration `k` (all its trials) is `schedule.at(k)`.
#[derive(Clone, Debug, PartialEq)]
pub struct LineSearch {
    /// Evaluations at most (trials included).
    pub max_steps: usize,
    /// Stop when the projected gradient norm is at most `grad_tol`.
    pub grad_tol: f64,
    /// Stop when an accepted step changes `h` by at most `value_tol·|h|`.
    pub value_tol: f64,
    /// Inner tolerance per outer iteration.
    pub schedule: ToleranceSchedule,
    /// Box on `λ` (lower, upper), applied to every coordinate.
    pub bounds: (f64, f64),
    /// The Armijo constant `c` in (0, 1).
    pub sufficient_decrease: f64,
    /// Halvings of the trial step at most per iteration.
    pub max_halvings: usize,
    /// Stop when a trial would move every `log α` by less than `step_tol`
    /// ([`OuterStop::StepTolerance`]): finer than any grid, and below it a non-smooth `h` (a
    /// kink where the support changes) only makes the search fail halving after halving.
    pub step_tol: f64,
}

impl Default for LineSearch {
    fn default() -> Self {
        Self {
            max_steps: 50,
            grad_tol: 1e-8,
            value_tol: 1e-6,
            schedule: ToleranceSchedule::default(),
            bounds: (-30.0, 30.0),
            sufficient_decrease: 1e-4,
            max_halvings: 10,
            step_tol: 1e-3,
        }
    }
}

impl LineSearch {
    /// Runs from `start` (log-hyperparameters, projected onto the box first).
    pub fn run<H: HyperObjective>(
        &self,
        objective: &mut H,
        start: &[f64],
    ) -> Result<Trajectory, BilevelError> {
        self.descend(objective, start, &mut Steepest { last_step: None })
    }
}

/// Steepest descent `d = −g` (free coordinates), first trial `1/‖d‖`, then twice the last
/// accepted step.
struct Steepest {
    last_step: Option<f64>,
}

impl SearchDirection for Steepest {
    fn direction(&mut self, grad: &[f64], free: &[bool]) -> (Vec<f64>, f64) {
        let d = free_steepest(grad, free);
        let t = self.last_step.map_or_else(|| 1.0 / norm(&d), |t| 2.0 * t);
        (d, t)
    }
    fn accept(&mut self, _s: &[f64], _y: &[f64], step: f64) {
        self.last_step = Some(step);
    }
}

/// `−g` on the free coordinates, 0 on the fixed ones.
pub(super) fn free_steepest(grad: &[f64], free: &[bool]) -> Vec<f64> {
    grad.iter()
        .zip(free)
        .map(|(g, &f)| if f { -g } else { 0.0 })
        .collect()
}

/// How a projected descent chooses its search direction.
pub(super) trait SearchDirection {
    /// The direction `d` (zero on the fixed coordinates, `gᵀd < 0`) and the first trial step at
    /// an iterate with gradient `grad`; `free[i]` is false where `λᵢ` is held at its bound.
    fn direction(&mut self, grad: &[f64], free: &[bool]) -> (Vec<f64>, f64);
    /// An accepted step `s = λ⁺ − λ`, `y = ∇h(λ⁺) − ∇h(λ)`, taken with trial step `step`.
    fn accept(&mut self, s: &[f64], y: &[f64], step: f64);
    /// Forgets accumulated curvature after a failed search; `true` if there was any, so that a
    /// retry along the steepest direction is worth its evaluations.
    fn reset(&mut self) -> bool {
        false
    }
}

/// The outcome of one backtracking search.
enum Search {
    /// Sufficient decrease at this point, with its evaluation and trial step.
    Accepted(Vec<f64>, HyperEval, f64),
    /// No sufficient decrease within the halvings.
    Insufficient,
    /// The evaluation budget ran out.
    Budget,
    /// The trial step fell below `step_tol`.
    Stalled,
}

impl LineSearch {
    fn validate(&self) -> Result<(), BilevelError> {
        validate(self.max_steps, self.bounds)?;
        if !(self.sufficient_decrease > 0.0 && self.sufficient_decrease < 1.0) {
            return Err(BilevelError::InvalidParameter {
                name: "sufficient_decrease",
                value: self.sufficient_decrease,
                reason: "the Armijo constant must lie in (0, 1)",
            });
        }
        Ok(())
    }

    /// Runs the projected descent from `start` with directions from `rule`.
    pub(super) fn descend<H: HyperObjective, D: SearchDirection>(
        &self,
        objective: &mut H,
        start: &[f64],
        rule: &mut D,
    ) -> Result<Trajectory, BilevelError> {
        self.validate()?;
        check_dim(objective.dim(), start.len())?;
        let mut recorder = Recorder::new();
        let mut lambda = start.to_vec();
        clip(&mut lambda, self.bounds);
        let mut eval = objective.evaluate(&lambda, self.schedule.at(0))?;
        recorder.push(&lambda, &eval);
        let mut evaluations = 1;
        for k in 1.. {
            if eval.grad.len() != lambda.len() {
                return Err(BilevelError::ShapeMismatch {
                    what: "gradient of h",
                    expected: lambda.len(),
                    got: eval.grad.len(),
                });
            }
            if projected_gradient_norm(&lambda, &eval.grad, self.bounds) <= self.grad_tol {
                return Ok(recorder.finish(OuterStop::GradientTolerance));
            }
            let free = free_coordinates(&lambda, &eval.grad, self.bounds);
            let (direction, step) = rule.direction(&eval.grad, &free);
            let tol = self.schedule.at(k);
            let search = self.backtrack(
                objective,
                &mut recorder,
                &mut evaluations,
                (&lambda, &eval),
                (&direction, step),
                tol,
            )?;
            match search {
                Search::Accepted(next, next_eval, step) => {
                    let s: Vec<f64> = next.iter().zip(&lambda).map(|(a, b)| a - b).collect();
                    let y: Vec<f64> = (next_eval.grad.iter().zip(&eval.grad))
                        .map(|(a, b)| a - b)
                        .collect();
                    rule.accept(&s, &y, step);
                    let previous = eval.value;
                    (lambda, eval) = (next, next_eval);
                    if (eval.value - previous).abs() <= self.value_tol * previous.abs() {
                        return Ok(recorder.finish(OuterStop::ValueTolerance));
                    }
                }
                Search::Insufficient if rule.reset() => {}
                Search::Insufficient => return Ok(recorder.finish(OuterStop::LineSearch)),
                Search::Budget => break,
                Search::Stalled => return Ok(recorder.finish(OuterStop::StepTolerance)),
            }
        }
        Ok(recorder.finish(OuterStop::MaxSteps))
    }

    /// Backtracks along the projected path `P(λ + t·d)` from the first trial step, halving `t`
    /// until `h(λ(t)) ≤ h(λ) + c·gᵀ(λ(t) − λ)` with `gᵀ(λ(t) − λ) < 0`.
    fn backtrack<H: HyperObjective>(
        &self,
        objective: &mut H,
        recorder: &mut Recorder,
        evaluations: &mut usize,
        (lambda, eval): (&[f64], &HyperEval),
        (direction, mut step): (&[f64], f64),
        tol: f64,
    ) -> Result<Search, BilevelError> {
        for _ in 0..=self.max_halvings {
            if *evaluations >= self.max_steps {
                return Ok(Search::Budget);
            }
            let mut trial: Vec<f64> = (lambda.iter().zip(direction))
                .map(|(l, d)| l + step * d)
                .collect();
            clip(&mut trial, self.bounds);
            let moved = (trial.iter().zip(lambda)).fold(0.0_f64, |m, (a, l)| m.max((a - l).abs()));
            if moved < self.step_tol {
                return Ok(Search::Stalled);
            }
            let slope: f64 = (eval.grad.iter().zip(&trial).zip(lambda))
                .map(|((g, a), l)| g * (a - l))
                .sum();
            let next = objective.evaluate(&trial, tol)?;
            recorder.push(&trial, &next);
            *evaluations += 1;
            if slope < 0.0 && next.value <= eval.value + self.sufficient_decrease * slope {
                return Ok(Search::Accepted(trial, next, step));
            }
            step /= 2.0;
        }
        Ok(Search::Insufficient)
    }
}

/// `‖P(λ − g) − λ‖`, the first-order optimality measure on the box (`‖g‖` in the interior).
pub(super) fn projected_gradient_norm(lambda: &[f64], grad: &[f64], bounds: (f64, f64)) -> f64 {
    lambda
        .iter()
        .zip(grad)
        .map(|(l, g)| ((l - g).clamp(bounds.0, bounds.1) - l).powi(2))
        .sum::<f64>()
        .sqrt()
}

/// `false` for the coordinates held at a bound: `λᵢ = lower` with `gᵢ > 0`, or `λᵢ = upper` with
/// `gᵢ < 0` (descent would leave the box there).
fn free_coordinates(lambda: &[f64], grad: &[f64], bounds: (f64, f64)) -> Vec<bool> {
    lambda
        .iter()
        .zip(grad)
        .map(|(&l, &g)| !((l <= bounds.0 && g > 0.0) || (l >= bounds.1 && g < 0.0)))
        .collect()
}
