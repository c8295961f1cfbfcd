//! L-BFGS with a weak Wolfe line search: the two-loop recursion applies the inverse-Hessian
//! approximation built from the last `m` pairs `sₖ = xₖ₊₁ − xₖ`, `yₖ = ∇fₖ₊₁ − ∇fₖ`.
//!
//! Its update depends on the stored pairs, not on `x` alone, so it is not a map `T(x, θ)`; its
//! fixed points are the stationary points of `f`, the same as those of [`super::GradientStep`]
//! and [`super::NewtonStep`], which serve for differentiating an L-BFGS solution.

use super::gradient_descent::smooth_setup;
use super::line_search::Armijo;
use super::progress::{dot, norm, Progress};
use crate::{Objective, OptimError, Solution, SolverParams, StopReason};
use std::collections::VecDeque;

/// L-BFGS. Stops when `‖∇f(x_k, θ)‖₂ ≤ tol` (the report's `residual`); pairs with
/// `sᵀy ≤ 10⁻¹²·‖s‖‖y‖` (no positive curvature) are skipped; a line search that finds no
/// decrease stops with [`StopReason::Diverged`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lbfgs {
    /// Number of stored pairs `m` (≥ 1).
    pub memory: usize,
    /// Sufficient-decrease constant, first trial step (1) and trial cap of the weak Wolfe
    /// search (its `shrink` is unused: the search bisects).
    pub line_search: Armijo,
}

impl Default for Lbfgs {
    fn default() -> Self {
        Self {
            memory: 10,
            line_search: Armijo::default(),
        }
    }
}

/// Curvature constant `c₂` of the weak Wolfe condition `∇f(x + t·d)ᵀd ≥ c₂·∇f(x)ᵀd`.
const WOLFE_C2: f64 = 0.9;

/// Weak Wolfe line search by bisection/expansion (Lewis–Overton): `t` is halved towards the
/// last acceptable-decrease step while sufficient decrease fails, doubled while the curvature
/// condition fails. The curvature condition guarantees `sᵀy > 0`, which Armijo alone does not
/// on a non-convex `f` (there L-BFGS can stall on skipped pairs). Writes `x + t·d` into `trial`
/// and its gradient into `g_trial`; returns `f(trial)`, or `None` after `max_backtracks + 1`
/// trials without both conditions.
#[allow(clippy::too_many_arguments)]
fn wolfe_search<O: Objective>(
    armijo: &Armijo,
    objective: &O,
    theta: &[f64],
    x: &[f64],
    d: &[f64],
    (f0, slope): (f64, f64),
    trial: &mut [f64],
    g_trial: &mut [f64],
) -> Option<f64> {
    let (mut lo, mut hi, mut t) = (0.0, f64::INFINITY, armijo.initial);
    for _ in 0..=armijo.max_backtracks {
        for ((z, &xi), &di) in trial.iter_mut().zip(x).zip(d) {
            *z = xi + t * di;
        }
        let ft = objective.value_f64(trial, theta);
        if ft.is_nan() || ft > f0 + armijo.c * t * slope {
            hi = t;
        } else {
            objective.gradient_f64(trial, theta, g_trial);
            if dot(g_trial, d) >= WOLFE_C2 * slope {
                return Some(ft);
            }
            lo = t;
        }
        t = if hi.is_finite() {
            0.5 * (lo + hi)
        } else {
            2.0 * lo
        };
    }
    None
}

/// `d = −H̃∇f` by the two-loop recursion, `H̃₀ = (sᵀy / yᵀy)·I` from the newest pair.
fn two_loop(pairs: &VecDeque<(Vec<f64>, Vec<f64>, f64)>, g: &[f64], d: &mut [f64]) {
    d.iter_mut().zip(g).for_each(|(di, gi)| *di = -gi);
    let mut alphas = Vec::with_capacity(pairs.len());
    for (s, y, rho) in pairs.iter().rev() {
        let a = rho * dot(s, d);
        d.iter_mut().zip(y).for_each(|(di, yi)| *di -= a * yi);
        alphas.push(a);
    }
    if let Some((s, y, _)) = pairs.back() {
        let gamma = dot(s, y) / dot(y, y);
        d.iter_mut().for_each(|di| *di *= gamma);
    }
    for ((s, y, rho), a) in pairs.iter().zip(alphas.iter().rev()) {
        let b = rho * dot(y, d);
        d.iter_mut().zip(s).for_each(|(di, si)| *di += (a - b) * si);
    }
}

impl Lbfgs {
    /// Minimises `f(·, θ)` from the warm start `x0` (zeros if `None`).
    pub fn solve<O: Objective>(
        &self,
        objective: &O,
        theta: &[f64],
        x0: Option<&[f64]>,
        params: &SolverParams,
    ) -> Result<Solution, OptimError> {
        self.line_search.validate()?;
        if self.memory == 0 {
            return Err(OptimError::InvalidParameter {
                name: "memory",
                value: 0.0,
                reason: "must be at least 1",
            });
        }
        let mut x = smooth_setup(objective, theta, x0, params)?;
        let n = x.len();
        let (mut g, mut g_next) = (vec![0.0; n], vec![0.0; n]);
        let (mut d, mut next) = (vec![0.0; n], vec![0.0; n]);
        let mut fx = objective.value_f64(&x, theta);
        objective.gradient_f64(&x, theta, &mut g);
        let mut gnorm = norm(&g);
        let mut pairs = VecDeque::with_capacity(self.memory);
        let mut progress = Progress::new(params);
        let mut stop = (gnorm <= params.tol).then_some(StopReason::Converged);
        while stop.is_none() && progress.has_budget() {
            two_loop(&pairs, &g, &mut d);
            let mut slope = dot(&g, &d);
            if slope >= 0.0 || slope.is_nan() {
                // Not a descent direction (rounding): restart from steepest descent.
                pairs.clear();
                d.iter_mut().zip(&g).for_each(|(di, gi)| *di = -gi);
                slope = -gnorm * gnorm;
            }
            let found = wolfe_search(
                &self.line_search,
                objective,
                theta,
                &x,
                &d,
                (fx, slope),
                &mut next,
                &mut g_next,
            );
            match found {
                Some(ft) => fx = ft,
                None => {
                    stop = Some(StopReason::Diverged);
                    break;
                }
            }
            let s: Vec<f64> = next.iter().zip(&x).map(|(a, b)| a - b).collect();
            let y: Vec<f64> = g_next.iter().zip(&g).map(|(a, b)| a - b).collect();
            let sy = dot(&s, &y);
            if sy > 1e-12 * norm(&s) * norm(&y) {
                if pairs.len() == self.memory {
                    pairs.pop_front();
                }
                pairs.push_back((s, y, 1.0 / sy));
            }
            std::mem::swap(&mut x, &mut next);
            std::mem::swap(&mut g, &mut g_next);
            gnorm = norm(&g);
            stop = progress.step(gnorm, || fx);
        }
        Ok(progress.finish(x, fx, gnorm, stop))
    }
}
