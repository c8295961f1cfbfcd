//! FISTA (Beck–Teboulle), accelerated proximal gradient, with optional adaptive restart:
//!
//! `x_{k+1} = prox_{s·g}(y_k − s∇f(y_k))`, `t_{k+1} = (1 + √(1 + 4t_k²))/2`,
//! `y_{k+1} = x_{k+1} + (t_k − 1)/t_{k+1}·(x_{k+1} − x_k)`.
//!
//! Restart (O'Donoghue–Candès, gradient scheme): when `(y_k − x_{k+1})ᵀ(x_{k+1} − x_k) > 0` the
//! momentum points uphill, so `t ← 1` and `y ← x_{k+1}`.
//!
//! **Fixed-point map.** The momentum makes one FISTA step a map of `(x_k, x_{k−1}, t_k)`, with
//! `t_k` independent of θ and unbounded; its fixed points in `x` are exactly those of the ISTA
//! map. So [`Fista::map`] returns the ISTA map [`ProximalGradientStep`]: implicit and one-step
//! differentiation at the solution only need a map with the same fixed points, and unrolled
//! differentiation of the momentum iterates is left to unrolling the solver itself.

use super::ista::{Ista, ProximalGradientStep};
use super::progress::{distance, Progress};
use crate::{Objective, OptimError, Regularizer, Solution, SolverParams};

/// FISTA with a fixed step `s` (take `s = 1/L`). Stops when the prox-gradient residual at the
/// extrapolated point, `‖x_{k+1} − y_k‖₂`, is `≤ tol` (at `y_k = x_k` it is ISTA's residual).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fista {
    /// The step `s`.
    pub step: f64,
    /// Whether to use adaptive (gradient) restart.
    pub restart: bool,
}

impl Fista {
    /// The fixed-point map sharing FISTA's fixed points: the ISTA map (see the module doc).
    pub fn map<'a, O, R>(
        &self,
        objective: &'a O,
        regularizer: &'a R,
    ) -> ProximalGradientStep<'a, O, R> {
        Ista { step: self.step }.map(objective, regularizer)
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
        let n = x.len();
        let (mut y, mut buf, mut next) = (x.clone(), vec![0.0; n], vec![0.0; n]);
        let mut t = 1.0_f64;
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
                t = 1.0;
                y.copy_from_slice(&next);
            } else {
                let t_next = 0.5 * (1.0 + (1.0 + 4.0 * t * t).sqrt());
                let beta = (t - 1.0) / t_next;
                for ((yi, &xi), &di) in y.iter_mut().zip(&next).zip(&buf) {
                    *yi = xi + beta * di;
                }
                t = t_next;
            }
            std::mem::swap(&mut x, &mut next);
            stop = progress.step(residual, || map.composite_value(&x, theta));
        }
        let value = map.composite_value(&x, theta);
        Ok(progress.finish(x, value, residual, stop))
    }
}
