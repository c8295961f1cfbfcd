//! Gradient descent `x_{k+1} = x_k − s_k ∇f(x_k, θ)`, fixed step or backtracking Armijo.

use super::line_search::Armijo;
use super::progress::{check_vector, initial_point, norm, positive, validate_params, Progress};
use crate::{FixedPointMap, Objective, OptimError, Solution, SolverParams, StopReason};
use hypergrad_ad::Scalar;

/// How the step `s_k` is chosen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StepRule {
    /// A constant step `s` (converges for `0 < s < 2/L` on an L-smooth convex `f`).
    Fixed(f64),
    /// Backtracking Armijo from `initial` at every iteration.
    Backtracking(Armijo),
}

impl StepRule {
    pub(crate) fn validate(&self) -> Result<(), OptimError> {
        match self {
            StepRule::Fixed(s) => positive("step", *s),
            StepRule::Backtracking(a) => a.validate(),
        }
    }
}

/// Gradient descent. Stops when `‖∇f(x_k, θ)‖₂ ≤ tol` (the report's `residual`); a backtracking
/// search that finds no decrease stops with [`StopReason::Diverged`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradientDescent {
    /// The step rule.
    pub step: StepRule,
}

/// Checks θ and returns the validated starting point of a smooth solve.
pub(crate) fn smooth_setup<O: Objective>(
    objective: &O,
    theta: &[f64],
    x0: Option<&[f64]>,
    params: &SolverParams,
) -> Result<Vec<f64>, OptimError> {
    validate_params(params)?;
    check_vector("theta", theta, objective.dim_theta())?;
    initial_point(x0, objective.dim())
}

impl GradientDescent {
    /// Minimises `f(·, θ)` from the warm start `x0` (zeros if `None`).
    pub fn solve<O: Objective>(
        &self,
        objective: &O,
        theta: &[f64],
        x0: Option<&[f64]>,
        params: &SolverParams,
    ) -> Result<Solution, OptimError> {
        self.step.validate()?;
        let mut x = smooth_setup(objective, theta, x0, params)?;
        let n = x.len();
        let (mut g, mut next, mut d) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        let f = |z: &[f64]| objective.value_f64(z, theta);
        let mut fx = f(&x);
        objective.gradient_f64(&x, theta, &mut g);
        let mut progress = Progress::new(params);
        let mut stop = None;
        let mut gnorm = norm(&g);
        if gnorm <= params.tol {
            stop = Some(StopReason::Converged);
        }
        while stop.is_none() && progress.has_budget() {
            match self.step {
                StepRule::Fixed(s) => {
                    for ((o, &xi), &gi) in next.iter_mut().zip(&x).zip(&g) {
                        *o = xi - s * gi;
                    }
                    fx = f(&next);
                }
                StepRule::Backtracking(a) => {
                    for (di, &gi) in d.iter_mut().zip(&g) {
                        *di = -gi;
                    }
                    match a.search(f, &x, &d, fx, -gnorm * gnorm, &mut next) {
                        Some((_, ft)) => fx = ft,
                        None => {
                            // No acceptable step: reported as a failure, never hidden.
                            stop = Some(StopReason::Diverged);
                            break;
                        }
                    }
                }
            }
            std::mem::swap(&mut x, &mut next);
            objective.gradient_f64(&x, theta, &mut g);
            gnorm = norm(&g);
            stop = progress.step(gnorm, || fx);
        }
        Ok(progress.finish(x, fx, gnorm, stop))
    }
}

/// The fixed-step gradient map `T(x, θ) = x − s∇ₓf(x, θ)`, generic over the scalar; its fixed
/// points are the stationary points of `f(·, θ)`.
#[derive(Clone, Copy, Debug)]
pub struct GradientStep<'a, O> {
    /// The objective.
    pub objective: &'a O,
    /// The step `s`.
    pub step: f64,
}

impl<O: Objective> FixedPointMap for GradientStep<'_, O> {
    fn dim_x(&self) -> usize {
        self.objective.dim()
    }
    fn dim_theta(&self) -> usize {
        self.objective.dim_theta()
    }
    fn apply<S: Scalar>(&self, x: &[S], theta: &[S], out: &mut [S]) {
        self.objective.gradient(x, theta, out);
        for (o, &xi) in out.iter_mut().zip(x) {
            *o = xi - *o * self.step;
        }
    }
}
