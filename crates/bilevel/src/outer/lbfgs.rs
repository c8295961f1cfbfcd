//! Projected L-BFGS on `h(λ)` within a box: quasi-Newton directions on the free coordinates,
//! the projected backtracking search of [`super::LineSearch`].

use super::line_search::{free_steepest, SearchDirection};
use super::{HyperObjective, LineSearch, Trajectory};
use crate::linalg::{dot, norm};
use crate::BilevelError;
use std::collections::VecDeque;

/// A curvature pair is kept only if `sᵀy > CURVATURE · ‖s‖‖y‖`, which keeps the inverse-Hessian
/// approximation positive definite and well conditioned (angle between s and y below ~90°).
const CURVATURE: f64 = 1e-8;

/// Limited-memory BFGS on `h(λ)` with bounds on `λ` (projected L-BFGS, an L-BFGS-B-lite).
///
/// The direction is `d = −H·g_F` by the two-loop recursion over the last `memory` pairs
/// `sᵢ = λᵢ₊₁ − λᵢ`, `yᵢ = ∇h(λᵢ₊₁) − ∇h(λᵢ)` (`ρᵢ = 1/sᵢᵀyᵢ`), with initial matrix
/// `H₀ = (sᵀy / yᵀy)·I` of the newest pair, where `g_F` is the gradient restricted to the free
/// coordinates (those not at a bound whose gradient pushes outward) and `d` is zero on the
/// fixed ones, so `gᵀd = −g_Fᵀ H g_F < 0`. The step is found by the projected backtracking
/// search along `P(λ + t·d)` from `t = 1` (Armijo `h(λ(t)) ≤ h(λ) + c·gᵀ(λ(t) − λ)`); the first
/// iteration, and any after the memory was cleared, is a steepest step of length `1/‖g_F‖`.
/// Pairs with `sᵀy ≤ ε‖s‖‖y‖` are skipped. A failed search clears the memory and retries along
/// `−g_F`; a second failure stops the run ([`super::OuterStop::LineSearch`]). Evaluation budget,
/// stopping rules, tolerance schedule, bounds and trajectory are those of `line_search`.
#[derive(Clone, Debug, PartialEq)]
pub struct Lbfgs {
    /// Curvature pairs kept (`m`, at least 1).
    pub memory: usize,
    /// Evaluations, stopping rules, schedule, bounds and the backtracking search.
    pub line_search: LineSearch,
}

impl Default for Lbfgs {
    fn default() -> Self {
        Self {
            memory: 10,
            line_search: LineSearch::default(),
        }
    }
}

impl Lbfgs {
    /// Runs from `start` (log-hyperparameters, projected onto the box first).
    pub fn run<H: HyperObjective>(
        &self,
        objective: &mut H,
        start: &[f64],
    ) -> Result<Trajectory, BilevelError> {
        if self.memory == 0 {
            return Err(BilevelError::InvalidParameter {
                name: "memory",
                value: 0.0,
                reason: "L-BFGS needs at least one curvature pair",
            });
        }
        let mut rule = QuasiNewton {
            memory: self.memory,
            pairs: VecDeque::with_capacity(self.memory),
        };
        self.line_search.descend(objective, start, &mut rule)
    }
}

/// The largest change of any `log α` at the first trial of an iteration (a factor e² on α).
const MAX_LOG_STEP: f64 = 2.0;

/// A curvature pair `(s, y, ρ = 1/sᵀy)`.
struct Pair {
    s: Vec<f64>,
    y: Vec<f64>,
    rho: f64,
}

/// The L-BFGS direction rule: the last `memory` pairs, oldest first.
struct QuasiNewton {
    memory: usize,
    pairs: VecDeque<Pair>,
}

fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    y.iter_mut().zip(x).for_each(|(y, x)| *y += alpha * x);
}

impl QuasiNewton {
    /// `H·q` by the two-loop recursion.
    fn two_loop(&self, mut q: Vec<f64>) -> Vec<f64> {
        let mut alphas = Vec::with_capacity(self.pairs.len());
        for pair in self.pairs.iter().rev() {
            let a = pair.rho * dot(&pair.s, &q);
            axpy(-a, &pair.y, &mut q);
            alphas.push(a);
        }
        if let Some(newest) = self.pairs.back() {
            let gamma = 1.0 / (newest.rho * dot(&newest.y, &newest.y));
            q.iter_mut().for_each(|v| *v *= gamma);
        }
        for (pair, a) in self.pairs.iter().zip(alphas.into_iter().rev()) {
            let b = pair.rho * dot(&pair.y, &q);
            axpy(a - b, &pair.s, &mut q);
        }
        q
    }
}

impl SearchDirection for QuasiNewton {
    fn direction(&mut self, grad: &[f64], free: &[bool]) -> (Vec<f64>, f64) {
        let steepest = free_steepest(grad, free);
        if !self.pairs.is_empty() {
            let mut d = self.two_loop(steepest.clone());
            d.iter_mut()
                .zip(free)
                .filter(|(_, &f)| !f)
                .for_each(|(d, _)| *d = 0.0);
            let slope = dot(grad, &d);
            if slope < 0.0 && d.iter().all(|v| v.is_finite()) {
                // The unit step, capped so that no log-hyperparameter moves by more than
                // MAX_LOG_STEP on the first trial: on a non-smooth criterion a poor curvature
                // pair can otherwise send the step across the whole box.
                let largest = d.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
                return (d, (MAX_LOG_STEP / largest).min(1.0));
            }
            self.pairs.clear();
        }
        let step = 1.0 / norm(&steepest);
        (steepest, step)
    }
    fn accept(&mut self, s: &[f64], y: &[f64], _step: f64) {
        let sy = dot(s, y);
        if sy > CURVATURE * norm(s) * norm(y) {
            if self.pairs.len() == self.memory {
                self.pairs.pop_front();
            }
            self.pairs.push_back(Pair {
                s: s.to_vec(),
                y: y.to_vec(),
                rho: 1.0 / sy,
            });
        }
    }
    fn reset(&mut self) -> bool {
        let had = !self.pairs.is_empty();
        self.pairs.clear();
        had
    }
}
