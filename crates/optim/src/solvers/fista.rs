//! FISTA, accelerated proximal gradient, with optional adaptive restart:
//!
//! `y_k = x_k + β_k (x_k − x_{k−1})`, `x_{k+1} = prox_{s·g}(y_k − s∇f(y_k))`,
//! `β_k = k/(k + 3)` (k = 0, 1, …; `x_{−1} = x_0`).
//!
//! This is the momentum rule `t_k = (k + a − 1)/a` with `a = 3` of Chambolle & Dossal (2015),
//! for which the iterates themselves converge, with Beck–Teboulle's `O(1/k²)` rate on the
//! objective; unlike the `t_{k+1} = (1 + √(1 + 4t_k²))/2` recursion it is a closed form in k, so
//! one step is a map of the iteration index ([`FistaStep`]).
//!
//! Restart (O'Donoghue–Candès, gradient scheme): when `(y_k − x_{k+1})ᵀ(x_{k+1} − x_k) > 0` the
//! momentum points uphill, so the momentum counter restarts at 0 and `y ← x_{k+1}`.

use super::ista::{Ista, ProximalGradientStep};
use super::progress::{distance, Progress};
use crate::{FixedPointMap, Objective, OptimError, Regularizer, Solution, SolverParams};
use hypergrad_ad::Scalar;

/// The FISTA momentum `β_k = k/(k + 3)`.
fn momentum(k: usize) -> f64 {
    k as f64 / (k as f64 + 3.0)
}

/// FISTA with a fixed step `s` (take `s = 1/L`). Stops when the prox-gradient residual at the
/// extrapolated point, `‖x_{k+1} − y_k‖₂`, is `≤ tol` (at `y_k = x_k` it is ISTA's residual).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fista {
    /// The step `s`.
    pub step: f64,
    /// Whether to use adaptive (gradient) restart.
    pub restart: bool,
}

/// One FISTA step (without restart) as a [`FixedPointMap`] on the state `z = (x_k, x_{k−1})`:
/// `T_k(z, θ) = (prox_{s·g}(y_k − s∇f(y_k)), x_k)` with `y_k = x_k + β_k(x_k − x_{k−1})`.
///
/// The unrolled methods differentiate `T_k` with its iteration-dependent momentum; the limit map
/// [`apply`](FixedPointMap::apply) (`β = 1`) has the fixed points `(x*, x*)`, `x*` the minimizer,
/// and a Jacobian there whose eigenvalues `λ² − 2gλ + g = 0` (g an eigenvalue of the ISTA
/// map's Jacobian) have `|λ| = √g < 1`: the implicit methods and FPAD apply.
#[derive(Clone, Copy, Debug)]
pub struct FistaStep<'a, O, R> {
    /// The proximal-gradient step it accelerates.
    pub prox_step: ProximalGradientStep<'a, O, R>,
}

impl<O: Objective, R: Regularizer> FistaStep<'_, O, R> {
    fn step_with<S: Scalar>(&self, beta: f64, z: &[S], theta: &[S], out: &mut [S]) {
        let n = z.len() / 2;
        let (x, x_prev) = z.split_at(n);
        let y: Vec<S> = x
            .iter()
            .zip(x_prev)
            .map(|(&a, &p)| a + (a - p) * beta)
            .collect();
        let (new, old) = out.split_at_mut(n);
        let mut buf = vec![S::zero(); n];
        self.prox_step.apply_with(&y, theta, &mut buf, new);
        old.copy_from_slice(x);
    }
}

impl<O: Objective, R: Regularizer> FixedPointMap for FistaStep<'_, O, R> {
    fn dim_x(&self) -> usize {
        2 * self.prox_step.dim_x()
    }
    fn dim_theta(&self) -> usize {
        self.prox_step.dim_theta()
    }
    /// The limit step, `β = 1`.
    fn apply<S: Scalar>(&self, z: &[S], theta: &[S], out: &mut [S]) {
        self.step_with(1.0, z, theta, out);
    }
    /// The k-th step, `β_k = k/(k + 3)`.
    fn apply_iteration<S: Scalar>(&self, k: usize, z: &[S], theta: &[S], out: &mut [S]) {
        self.step_with(momentum(k), z, theta, out);
    }
}

impl Fista {
    /// One step as a [`FixedPointMap`] on the state `(x_k, x_{k−1})` (no restart); its default
    /// `solve` iterates it from `(x₀, x₀)`.
    pub fn map<'a, O, R>(&self, objective: &'a O, regularizer: &'a R) -> FistaStep<'a, O, R> {
        FistaStep {
            prox_step: Ista { step: self.step }.map(objective, regularizer),
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
        let map = Ista { step: self.step }.map(objective, regularizer);
        let mut x = map.setup(theta, x0, params)?;
        let n = x.len();
        let (mut y, mut buf, mut next) = (x.clone(), vec![0.0; n], vec![0.0; n]);
        let mut k = 0;
        let mut progress = Progress::new(params);
        let (mut residual, mut stop) = (f64::INFINITY, None);
        while stop.is_none() && progress.has_budget() {
            map.apply_f64(&y, theta, &mut buf, &mut next);
            residual = distance(&next, &y);
            // buf ← x_{k+1} − x_k, reused for the momentum and the restart test.
            for ((b, &a), &c) in buf.iter_mut().zip(&next).zip(&x) {
                *b = a - c;
            }
            let uphill = self.restart && {
                let along: f64 = y
                    .iter()
                    .zip(&next)
                    .zip(&buf)
                    .map(|((a, b), d)| (a - b) * d)
                    .sum();
                along > 0.0
            };
            if uphill {
                k = 0;
                y.copy_from_slice(&next);
            } else {
                k += 1;
                let beta = momentum(k);
                for ((yi, &xi), &di) in y.iter_mut().zip(&next).zip(&buf) {
                    *yi = xi + beta * di;
                }
            }
            std::mem::swap(&mut x, &mut next);
            stop = progress.step(residual, || map.composite_value(&x, theta));
        }
        let value = map.composite_value(&x, theta);
        Ok(progress.finish(x, value, residual, stop))
    }
}
