//! First-order outer optimizers: gradient descent with the adaptive step of the seed's outer
//! procedure, and Adam.

use super::{check_dim, HyperObjective, OuterStop, Recorder, ToleranceSchedule, Trajectory};
use crate::BilevelError;

/// Gradient descent on `h(λ)` with the outer procedure of Bertrand et al.: while adaptive, the
/// step is `1/‖∇h(λ)‖`; once `h` increases from one iterate to the next, the step is frozen and
/// divided by 10 (and again at each later increase). `λ` is clipped to `bounds`.
#[derive(Clone, Debug, PartialEq)]
pub struct GradientDescent {
    /// Outer steps at most (evaluations).
    pub max_steps: usize,
    /// Stop when `‖∇h‖ ≤ grad_tol`.
    pub grad_tol: f64,
    /// Stop when `|h_k − h_{k−1}| ≤ value_tol·|h_{k−1}|`.
    pub value_tol: f64,
    /// Inner tolerance per outer step.
    pub schedule: ToleranceSchedule,
    /// Box on `λ` (lower, upper), applied to every coordinate.
    pub bounds: (f64, f64),
}

impl Default for GradientDescent {
    fn default() -> Self {
        Self {
            max_steps: 30,
            grad_tol: 1e-8,
            value_tol: 1e-6,
            schedule: ToleranceSchedule::default(),
            bounds: (-30.0, 30.0),
        }
    }
}

pub(super) fn validate(max_steps: usize, bounds: (f64, f64)) -> Result<(), BilevelError> {
    if max_steps == 0 {
        return Err(BilevelError::InvalidParameter {
            name: "max_steps",
            value: 0.0,
            reason: "must be at least 1",
        });
    }
    if bounds.0.partial_cmp(&bounds.1) != Some(std::cmp::Ordering::Less) {
        return Err(BilevelError::InvalidParameter {
            name: "bounds",
            value: bounds.0,
            reason: "lower bound must be below the upper bound",
        });
    }
    Ok(())
}

pub(super) fn clip(lambda: &mut [f64], bounds: (f64, f64)) {
    lambda
        .iter_mut()
        .for_each(|l| *l = l.clamp(bounds.0, bounds.1));
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

impl GradientDescent {
    /// Runs from `start` (log-hyperparameters).
    pub fn run<H: HyperObjective>(
        &self,
        objective: &mut H,
        start: &[f64],
    ) -> Result<Trajectory, BilevelError> {
        validate(self.max_steps, self.bounds)?;
        check_dim(objective.dim(), start.len())?;
        let mut recorder = Recorder::new();
        let mut lambda = start.to_vec();
        clip(&mut lambda, self.bounds);
        let (mut adaptive, mut step, mut previous) = (true, 0.0, f64::INFINITY);
        for k in 0..self.max_steps {
            let eval = objective.evaluate(&lambda, self.schedule.at(k))?;
            recorder.push(&lambda, &eval);
            let g = norm(&eval.grad);
            if eval.value > previous {
                adaptive = false;
                step /= 10.0;
            }
            if g <= self.grad_tol {
                return Ok(recorder.finish(OuterStop::GradientTolerance));
            }
            if k > 0 && (eval.value - previous).abs() <= self.value_tol * previous.abs() {
                return Ok(recorder.finish(OuterStop::ValueTolerance));
            }
            if adaptive {
                step = 1.0 / g;
            }
            previous = eval.value;
            lambda
                .iter_mut()
                .zip(&eval.grad)
                .for_each(|(l, g)| *l -= step * g);
            clip(&mut lambda, self.bounds);
        }
        Ok(recorder.finish(OuterStop::MaxSteps))
    }
}

/// Adam (Kingma & Ba) on `h(λ)`: bias-corrected first and second moments of `∇h`.
#[derive(Clone, Debug, PartialEq)]
pub struct Adam {
    /// Outer steps at most (evaluations).
    pub max_steps: usize,
    /// Step size.
    pub learning_rate: f64,
    /// Decay of the first moment.
    pub beta1: f64,
    /// Decay of the second moment.
    pub beta2: f64,
    /// Stop when `‖∇h‖ ≤ grad_tol`.
    pub grad_tol: f64,
    /// Inner tolerance per outer step.
    pub schedule: ToleranceSchedule,
    /// Box on `λ`.
    pub bounds: (f64, f64),
}

impl Default for Adam {
    fn default() -> Self {
        Self {
            max_steps: 50,
            learning_rate: 0.3,
            beta1: 0.9,
            beta2: 0.999,
            grad_tol: 1e-8,
            schedule: ToleranceSchedule::default(),
            bounds: (-30.0, 30.0),
        }
    }
}

impl Adam {
    /// Runs from `start` (log-hyperparameters).
    pub fn run<H: HyperObjective>(
        &self,
        objective: &mut H,
        start: &[f64],
    ) -> Result<Trajectory, BilevelError> {
        validate(self.max_steps, self.bounds)?;
        check_dim(objective.dim(), start.len())?;
        let mut recorder = Recorder::new();
        let mut lambda = start.to_vec();
        clip(&mut lambda, self.bounds);
        let (mut m, mut v) = (vec![0.0; lambda.len()], vec![0.0; lambda.len()]);
        for k in 0..self.max_steps {
            let eval = objective.evaluate(&lambda, self.schedule.at(k))?;
            recorder.push(&lambda, &eval);
            if norm(&eval.grad) <= self.grad_tol {
                return Ok(recorder.finish(OuterStop::GradientTolerance));
            }
            let t = (k + 1) as i32;
            let (c1, c2) = (1.0 - self.beta1.powi(t), 1.0 - self.beta2.powi(t));
            for i in 0..lambda.len() {
                let g = eval.grad[i];
                m[i] = self.beta1 * m[i] + (1.0 - self.beta1) * g;
                v[i] = self.beta2 * v[i] + (1.0 - self.beta2) * g * g;
                lambda[i] -= self.learning_rate * (m[i] / c1) / ((v[i] / c2).sqrt() + 1e-12);
            }
            clip(&mut lambda, self.bounds);
        }
        Ok(recorder.finish(OuterStop::MaxSteps))
    }
}
