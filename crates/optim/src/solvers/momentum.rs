//! Heavy-ball (Polyak) and Nesterov momentum for smooth objectives, fixed step `s` and
//! momentum `β ∈ [0, 1)`:
//!
//! * heavy ball: `x_{k+1} = x_k − s∇f(x_k) + β(x_k − x_{k−1})`;
//! * Nesterov:   `y_k = x_k + β(x_k − x_{k−1})`, `x_{k+1} = y_k − s∇f(y_k)`.
//!
//! For a μ-strongly convex L-smooth `f`, `s = 1/L`, `β = (√κ − 1)/(√κ + 1)` with `κ = L/μ`.
//! With a constant `β` one step is a map of the state `z = (x_k, x_{k−1}) ∈ ℝ²ⁿ`:
//! [`MomentumStep`], whose fixed points are `(x*, x*)` with `x*` stationary.

use super::gradient_descent::smooth_setup;
use super::progress::{norm, positive, Progress};
use crate::{FixedPointMap, Objective, OptimError, Solution, SolverParams};
use hypergrad_ad::Scalar;

/// Which momentum scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MomentumKind {
    /// Polyak's heavy ball: the gradient at `x_k`.
    HeavyBall,
    /// Nesterov: the gradient at the extrapolated `y_k`.
    Nesterov,
}

/// Gradient descent with momentum. Stops when the gradient at the point where it is evaluated
/// (`x_k` or `y_k`) has `‖∇f‖₂ ≤ tol` (the report's `residual`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Momentum {
    /// The scheme.
    pub kind: MomentumKind,
    /// The step `s > 0`.
    pub step: f64,
    /// The momentum `β ∈ [0, 1)`.
    pub momentum: f64,
}

impl Momentum {
    fn validate(&self) -> Result<(), OptimError> {
        positive("step", self.step)?;
        if !(0.0..1.0).contains(&self.momentum) {
            return Err(OptimError::InvalidParameter {
                name: "momentum",
                value: self.momentum,
                reason: "must lie in [0, 1)",
            });
        }
        Ok(())
    }

    /// One step, written once for every scalar: `point` receives where the gradient is taken
    /// (`x_k` or `y_k`), `grad` its gradient, `out` the new iterate `x_{k+1}`.
    fn update<S: Scalar>(
        &self,
        x: &[S],
        x_prev: &[S],
        gradient: impl FnOnce(&[S], &mut [S]),
        point: &mut [S],
        grad: &mut [S],
        out: &mut [S],
    ) {
        let (s, b) = (self.step, self.momentum);
        match self.kind {
            MomentumKind::HeavyBall => point.copy_from_slice(x),
            MomentumKind::Nesterov => {
                for ((p, &xi), &xp) in point.iter_mut().zip(x).zip(x_prev) {
                    *p = xi + (xi - xp) * b;
                }
            }
        }
        gradient(point, grad);
        for (i, o) in out.iter_mut().enumerate() {
            let base = point[i] - grad[i] * s;
            *o = match self.kind {
                MomentumKind::HeavyBall => base + (x[i] - x_prev[i]) * b,
                MomentumKind::Nesterov => base,
            };
        }
    }

    /// The update as a [`FixedPointMap`] on the state `(x_k, x_{k−1})`.
    pub fn map<'a, O>(&self, objective: &'a O) -> MomentumStep<'a, O> {
        MomentumStep {
            objective,
            method: *self,
        }
    }

    /// Minimises `f(·, θ)` from the warm start `x0` (zeros if `None`; `x_{−1} = x0`).
    pub fn solve<O: Objective>(
        &self,
        objective: &O,
        theta: &[f64],
        x0: Option<&[f64]>,
        params: &SolverParams,
    ) -> Result<Solution, OptimError> {
        self.validate()?;
        let mut x = smooth_setup(objective, theta, x0, params)?;
        let n = x.len();
        let mut x_prev = x.clone();
        let (mut point, mut grad, mut next) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        let mut progress = Progress::new(params);
        let (mut gnorm, mut stop) = (f64::INFINITY, None);
        while stop.is_none() && progress.has_budget() {
            let gradient = |p: &[f64], g: &mut [f64]| objective.gradient_f64(p, theta, g);
            self.update(&x, &x_prev, gradient, &mut point, &mut grad, &mut next);
            gnorm = norm(&grad);
            if gnorm <= params.tol {
                // The gradient was small at `point`: that is the answer, not the step past it.
                x.copy_from_slice(&point);
            } else {
                std::mem::swap(&mut x_prev, &mut x);
                std::mem::swap(&mut x, &mut next);
            }
            stop = progress.step(gnorm, || objective.value_f64(&x, theta));
        }
        let value = objective.value_f64(&x, theta);
        Ok(progress.finish(x, value, gnorm, stop))
    }
}

/// One momentum step as a map on `z = (x_k, x_{k−1})`:
/// `T(z, θ) = (x_{k+1}, x_k)`, generic over the scalar.
#[derive(Clone, Copy, Debug)]
pub struct MomentumStep<'a, O> {
    /// The objective.
    pub objective: &'a O,
    /// The scheme, step and momentum.
    pub method: Momentum,
}

impl<O: Objective> FixedPointMap for MomentumStep<'_, O> {
    fn dim_x(&self) -> usize {
        2 * self.objective.dim()
    }
    fn dim_theta(&self) -> usize {
        self.objective.dim_theta()
    }
    fn apply<S: Scalar>(&self, z: &[S], theta: &[S], out: &mut [S]) {
        let n = self.objective.dim();
        let (x, x_prev) = z.split_at(n);
        let (new, old) = out.split_at_mut(n);
        let mut point = vec![S::zero(); n];
        let mut grad = vec![S::zero(); n];
        let gradient = |p: &[S], g: &mut [S]| self.objective.gradient(p, theta, g);
        self.method
            .update(x, x_prev, gradient, &mut point, &mut grad, new);
        old.copy_from_slice(x);
    }
    /// [`Momentum::solve`] from the leading half of the warm start; returns `(x*, x*)`.
    fn solve(
        &self,
        theta: &[f64],
        warm_start: Option<&[f64]>,
        params: &SolverParams,
    ) -> Result<Solution, OptimError> {
        let n = self.objective.dim();
        if let Some(w) = warm_start.filter(|w| w.len() != 2 * n) {
            return Err(OptimError::ShapeMismatch {
                what: "warm start (x, x_prev)",
                expected: 2 * n,
                got: w.len(),
            });
        }
        let x0 = warm_start.map(|w| &w[..n]);
        let mut solution = self.method.solve(self.objective, theta, x0, params)?;
        solution.x.extend_from_within(..);
        Ok(solution)
    }
}
