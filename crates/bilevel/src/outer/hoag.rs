//! HOAG (Pedregosa 2016): gradient descent on `h(λ)` with inexact hypergradients, the step
//! from a running Lipschitz estimate, acceptance with a slack for the inner tolerance, and the
//! tolerance tightened when a step is rejected.

use super::gradient_descent::{clip, validate};
use super::line_search::projected_gradient_norm;
use super::{
    check_dim, HyperEval, HyperObjective, OuterStop, Recorder, ToleranceSchedule, Trajectory,
};
use crate::linalg::norm;
use crate::BilevelError;

/// Hyperparameter optimization with approximate gradient (Pedregosa, ICML 2016).
///
/// At the iterate `λ_k`, with `h_k` and `g_k` computed from an inner solve to tolerance
/// `ε_k`, the trial point is `λ' = P(λ_k − g_k/L)` (projected onto `bounds`), its move capped at
/// `max_log_step` in every coordinate; `L` estimates the Lipschitz constant of `∇h` and starts
/// at `‖g_0‖/√m` (a first move of `‖d‖ = √m`: one unit of `log α` per coordinate, in mean
/// square).
/// With `d = λ' − λ_k`, the noise slack `s = slack·ε·max(|h_k|, |h'|)` (`ε` the looser of
/// the two tolerances: the duality gap of the coordinate-descent solvers closes linearly in
/// `‖x − x*‖` — its dual point is the rescaled residual of x — so a value computed from an inner
/// solution at relative gap ε is off by `O(ε)` relatively; on the diabetes Lasso, values at one
/// λ under tolerances 1e-5 … 1e-8 differ by 2e-7 relatively):
///
/// - `h' ≤ h_k − ½L‖d‖² + s` (the decrease an `L`-smooth `h` guarantees): accept, and lengthen
///   the next step (`L ← L/growth`);
/// - else `h' ≤ h_k + s`: accept, and take for `L` the curvature along d that the two values
///   show, `L_d = 2(h' − h_k − g_kᵀd)/‖d‖²`, kept within `[L, growth·L]` (Pedregosa keeps `L`
///   here, which converges only linearly when `L` is below the curvature — the steps overshoot
///   — and bounces forever between two points of equal value at half the curvature);
/// - else reject: double `L` (halve the step), halve the inner tolerance of every later
///   evaluation (down to the schedule's floor) and evaluate `λ_k` again at the tightened
///   tolerance — a rejection may come from an inaccurate value or gradient at `λ_k` as much as
///   from a long step (on the diabetes Lasso, a value at tolerance 2.5e-6 was 2e-6 relatively
///   below its accurate value, lower than every later trial).
///
/// The inner tolerance of the k-th accepted iterate is `schedule.at(k)` times the tightening
/// factor, at least `schedule.minimum`. Every evaluation (rejected trials included) is recorded.
/// Stops: the projected gradient `‖P(λ − g) − λ‖ ≤ grad_tol`; an accepted step changing `h` by
/// at most `value_tol·|h|`; a trial moving every `log α` by less than `step_tol`
/// ([`OuterStop::StepTolerance`]); `max_steps` evaluations.
#[derive(Clone, Debug, PartialEq)]
pub struct Hoag {
    /// Evaluations at most (rejected trials included).
    pub max_steps: usize,
    /// Stop when the projected gradient norm is at most `grad_tol`.
    pub grad_tol: f64,
    /// Stop when an accepted step changes `h` by at most `value_tol·|h|`.
    pub value_tol: f64,
    /// Stop when a trial would move every `log α` by less than `step_tol`.
    pub step_tol: f64,
    /// Inner tolerance of each accepted iterate (before tightening).
    pub schedule: ToleranceSchedule,
    /// The constant `C` of the noise slack `C·ε·|h|`.
    pub slack: f64,
    /// The factor by which a step that met the sufficient decrease lengthens the next (> 1).
    /// Pedregosa's 1/0.95 is slow when `|∇h|` varies over orders of magnitude along the path
    /// (the held-out Lasso: from α_max/10 on the sparse 5000×20000 problem of the select
    /// benchmark, within 0.1 % of the grid's best after 11 evaluations with 2, 16 with 1.5, not
    /// within 30 with 1/0.95; 3 overshoots and oscillates).
    pub growth: f64,
    /// The largest move of any `log α` in one step.
    pub max_log_step: f64,
    /// Box on `λ` (lower, upper), applied to every coordinate.
    pub bounds: (f64, f64),
}

impl Default for Hoag {
    fn default() -> Self {
        Self {
            max_steps: 50,
            grad_tol: 1e-8,
            value_tol: 1e-6,
            step_tol: 1e-3,
            schedule: ToleranceSchedule::default(),
            slack: 0.25,
            growth: 2.0,
            max_log_step: 2.0,
            bounds: (-30.0, 30.0),
        }
    }
}

impl Hoag {
    fn validate(&self) -> Result<(), BilevelError> {
        validate(self.max_steps, self.bounds)?;
        let checks = [
            (
                "slack",
                self.slack,
                self.slack >= 0.0 && self.slack.is_finite(),
            ),
            (
                "growth",
                self.growth,
                self.growth > 1.0 && self.growth.is_finite(),
            ),
            ("max_log_step", self.max_log_step, self.max_log_step > 0.0),
        ];
        match checks.into_iter().find(|(_, _, ok)| !ok) {
            Some((name, value, _)) => Err(BilevelError::InvalidParameter {
                name,
                value,
                reason: "slack must be ≥ 0, growth > 1 and max_log_step > 0 (all finite)",
            }),
            None => Ok(()),
        }
    }

    /// Runs from `start` (log-hyperparameters, projected onto the box first).
    pub fn run<H: HyperObjective>(
        &self,
        objective: &mut H,
        start: &[f64],
    ) -> Result<Trajectory, BilevelError> {
        self.validate()?;
        check_dim(objective.dim(), start.len())?;
        let mut recorder = Recorder::new();
        let mut lambda = start.to_vec();
        clip(&mut lambda, self.bounds);
        let (mut accepted, mut tightening) = (0, 1.0);
        let tolerance = |accepted: usize, tightening: f64| {
            (self.schedule.at(accepted) * tightening).max(self.schedule.minimum)
        };
        let mut tol = tolerance(0, 1.0);
        let mut eval = objective.evaluate(&lambda, tol)?;
        recorder.push(&lambda, &eval);
        check_gradient(&eval, lambda.len())?;
        // A zero gradient stops at the first check below; the floor keeps 1/L finite.
        let mut lipschitz =
            (norm(&eval.grad) / (lambda.len() as f64).sqrt()).max(f64::MIN_POSITIVE);
        while recorder.evaluations() < self.max_steps {
            if projected_gradient_norm(&lambda, &eval.grad, self.bounds) <= self.grad_tol {
                return Ok(recorder.finish(OuterStop::GradientTolerance));
            }
            let trial = self.trial(&lambda, &eval.grad, lipschitz);
            let d: Vec<f64> = trial.iter().zip(&lambda).map(|(a, b)| a - b).collect();
            if d.iter().all(|v| v.abs() < self.step_tol) {
                return Ok(recorder.finish(OuterStop::StepTolerance));
            }
            let trial_tol = tolerance(accepted + 1, tightening);
            let next = objective.evaluate(&trial, trial_tol)?;
            recorder.push(&trial, &next);
            check_gradient(&next, lambda.len())?;
            let noise = self.slack * tol.max(trial_tol) * eval.value.abs().max(next.value.abs());
            let d_sq: f64 = d.iter().map(|v| v * v).sum();
            if next.value > eval.value + noise {
                lipschitz *= 2.0;
                tightening *= 0.5;
                if recorder.evaluations() >= self.max_steps {
                    break;
                }
                tol = tolerance(accepted, tightening);
                eval = objective.evaluate(&lambda, tol)?;
                recorder.push(&lambda, &eval);
                check_gradient(&eval, lambda.len())?;
                continue;
            }
            if next.value <= eval.value - 0.5 * lipschitz * d_sq + noise {
                lipschitz /= self.growth;
            } else {
                // The curvature along d seen by the two values: h' = h + gᵀd + ½L_d‖d‖².
                let slope: f64 = eval.grad.iter().zip(&d).map(|(g, v)| g * v).sum();
                let observed = 2.0 * (next.value - eval.value - slope) / d_sq;
                lipschitz = observed.clamp(lipschitz, self.growth * lipschitz);
            }
            let previous = eval.value;
            (lambda, eval, tol) = (trial, next, trial_tol);
            accepted += 1;
            if (eval.value - previous).abs() <= self.value_tol * previous.abs() {
                return Ok(recorder.finish(OuterStop::ValueTolerance));
            }
        }
        Ok(recorder.finish(OuterStop::MaxSteps))
    }

    /// `P(λ − g/L)` with the move capped at `max_log_step` per coordinate.
    fn trial(&self, lambda: &[f64], grad: &[f64], lipschitz: f64) -> Vec<f64> {
        let largest = grad.iter().fold(0.0_f64, |m, g| m.max(g.abs())) / lipschitz;
        let scale = if largest > self.max_log_step {
            self.max_log_step / largest
        } else {
            1.0
        };
        let mut trial: Vec<f64> = lambda
            .iter()
            .zip(grad)
            .map(|(l, g)| l - scale * g / lipschitz)
            .collect();
        clip(&mut trial, self.bounds);
        trial
    }
}

fn check_gradient(eval: &HyperEval, dim: usize) -> Result<(), BilevelError> {
    if eval.grad.len() == dim {
        Ok(())
    } else {
        Err(BilevelError::ShapeMismatch {
            what: "gradient of h",
            expected: dim,
            got: eval.grad.len(),
        })
    }
}
