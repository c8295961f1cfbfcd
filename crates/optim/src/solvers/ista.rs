//! ISTA (proximal gradient) for `min_x f(x, θ_f) + g(x, θ_g)`:
//! `x_{k+1} = prox_{s·g}(x_k − s∇f(x_k))`.
//!
//! Composite problems take one `θ = [θ_f, θ_g]`: the first `f.dim_theta()` entries go to the
//! smooth part, the next `g.dim_theta()` to the regularizer.

use super::progress::{check_vector, distance, initial_point, positive, validate_params, Progress};
use crate::{FixedPointMap, Objective, OptimError, Regularizer, Solution, SolverParams};
use hypergrad_ad::Scalar;

/// The proximal-gradient map `T(x, θ) = prox_{s·g(·,θ_g)}(x − s∇ₓf(x, θ_f))`, generic over the
/// scalar; its fixed points are the minimisers of `f + g` (for `0 < s < 2/L`).
#[derive(Clone, Copy, Debug)]
pub struct ProximalGradientStep<'a, O, R> {
    /// The smooth part `f`.
    pub objective: &'a O,
    /// The regularizer `g`.
    pub regularizer: &'a R,
    /// The step `s`.
    pub step: f64,
}

impl<O: Objective, R: Regularizer> ProximalGradientStep<'_, O, R> {
    /// `T(x, θ)` into `out`, with `buf` a workspace of `x.len()` scalars.
    pub(crate) fn apply_with<S: Scalar>(&self, x: &[S], theta: &[S], buf: &mut [S], out: &mut [S]) {
        let (tf, tg) = theta.split_at(self.objective.dim_theta());
        self.objective.gradient(x, tf, buf);
        for (b, &xi) in buf.iter_mut().zip(x) {
            *b = xi - *b * self.step;
        }
        self.regularizer.prox(buf, S::from_f64(self.step), tg, out);
    }

    /// The fast `f64` path of [`FixedPointMap::apply`], via [`Objective::gradient_f64`].
    pub(crate) fn apply_f64(&self, x: &[f64], theta: &[f64], buf: &mut [f64], out: &mut [f64]) {
        let (tf, tg) = theta.split_at(self.objective.dim_theta());
        self.objective.gradient_f64(x, tf, buf);
        for (b, &xi) in buf.iter_mut().zip(x) {
            *b = xi - self.step * *b;
        }
        self.regularizer.prox(buf, self.step, tg, out);
    }

    /// `f(x) + g(x)`.
    pub(crate) fn composite_value(&self, x: &[f64], theta: &[f64]) -> f64 {
        let (tf, tg) = theta.split_at(self.objective.dim_theta());
        self.objective.value_f64(x, tf) + self.regularizer.value(x, tg)
    }

    /// Validates the step, θ and the warm start; returns the starting point.
    pub(crate) fn setup(
        &self,
        theta: &[f64],
        x0: Option<&[f64]>,
        params: &SolverParams,
    ) -> Result<Vec<f64>, OptimError> {
        validate_params(params)?;
        positive("step", self.step)?;
        let m = self.objective.dim_theta() + self.regularizer.dim_theta();
        check_vector("theta", theta, m)?;
        self.regularizer.validate(self.objective.dim())?;
        initial_point(x0, self.objective.dim())
    }
}

impl<O: Objective, R: Regularizer> FixedPointMap for ProximalGradientStep<'_, O, R> {
    fn dim_x(&self) -> usize {
        self.objective.dim()
    }
    fn dim_theta(&self) -> usize {
        self.objective.dim_theta() + self.regularizer.dim_theta()
    }
    fn apply<S: Scalar>(&self, x: &[S], theta: &[S], out: &mut [S]) {
        let mut buf = vec![S::zero(); x.len()];
        self.apply_with(x, theta, &mut buf, out);
    }
    /// [`Ista::solve`] (its fast `f64` path iterates this map).
    fn solve(
        &self,
        theta: &[f64],
        warm_start: Option<&[f64]>,
        params: &SolverParams,
    ) -> Result<Solution, OptimError> {
        Ista { step: self.step }.solve(self.objective, self.regularizer, theta, warm_start, params)
    }
}

/// ISTA with a fixed step `s` (take `s = 1/L`, L the Lipschitz constant of `∇f`).
/// Stops when the fixed-point residual `‖x_{k+1} − x_k‖₂ ≤ tol`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ista {
    /// The step `s`.
    pub step: f64,
}

impl Ista {
    /// The update as a [`FixedPointMap`].
    pub fn map<'a, O, R>(
        &self,
        objective: &'a O,
        regularizer: &'a R,
    ) -> ProximalGradientStep<'a, O, R> {
        ProximalGradientStep {
            objective,
            regularizer,
            step: self.step,
        }
    }

    /// Minimises `f + g` from the warm start `x0` (zeros if `None`).
    pub fn solve<O: Objective, R: Regularizer>(
        &self,
        objective: &O,
        regularizer: &R,
        theta: &[f64],
        x0: Option<&[f64]>,
        params: &SolverParams,
    ) -> Result<Solution, OptimError> {
        let map = self.map(objective, regularizer);
        let mut x = map.setup(theta, x0, params)?;
        let (mut buf, mut next) = (vec![0.0; x.len()], vec![0.0; x.len()]);
        let mut progress = Progress::new(params);
        let (mut residual, mut stop) = (f64::INFINITY, None);
        while stop.is_none() && progress.has_budget() {
            map.apply_f64(&x, theta, &mut buf, &mut next);
            residual = distance(&next, &x);
            std::mem::swap(&mut x, &mut next);
            stop = progress.step(residual, || map.composite_value(&x, theta));
        }
        let value = map.composite_value(&x, theta);
        Ok(progress.finish(x, value, residual, stop))
    }
}
