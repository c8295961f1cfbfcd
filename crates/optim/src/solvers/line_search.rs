//! Backtracking Armijo line search, shared by gradient descent, Newton and L-BFGS.

use super::progress::positive;
use crate::OptimError;

/// Parameters of the backtracking Armijo rule: starting from `initial`, multiply the step by
/// `shrink` until `f(x + s·d) ≤ f(x) + c·s·∇f(x)ᵀd`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Armijo {
    /// First trial step.
    pub initial: f64,
    /// Contraction factor, in (0, 1).
    pub shrink: f64,
    /// Sufficient-decrease constant, in (0, 1).
    pub c: f64,
    /// Maximum number of contractions before the search gives up.
    pub max_backtracks: usize,
}

impl Default for Armijo {
    fn default() -> Self {
        Self {
            initial: 1.0,
            shrink: 0.5,
            c: 1e-4,
            max_backtracks: 60,
        }
    }
}

impl Armijo {
    /// Checks `initial > 0` and `shrink, c ∈ (0, 1)`.
    pub fn validate(&self) -> Result<(), OptimError> {
        positive("armijo.initial", self.initial)?;
        for (name, v) in [("armijo.shrink", self.shrink), ("armijo.c", self.c)] {
            if !(v > 0.0 && v < 1.0) {
                return Err(OptimError::InvalidParameter {
                    name,
                    value: v,
                    reason: "must lie in (0, 1)",
                });
            }
        }
        Ok(())
    }

    /// Finds a step along the descent direction `d` from `x` (`f0 = f(x)`, `slope = ∇f(x)ᵀd < 0`),
    /// writes `x + s·d` into `trial`, returns `(s, f(trial))`, or `None` if no step of at least
    /// `initial·shrink^max_backtracks` decreases `f` enough.
    pub(crate) fn search(
        &self,
        f: impl Fn(&[f64]) -> f64,
        x: &[f64],
        d: &[f64],
        f0: f64,
        slope: f64,
        trial: &mut [f64],
    ) -> Option<(f64, f64)> {
        let mut s = self.initial;
        for _ in 0..=self.max_backtracks {
            for ((t, &xi), &di) in trial.iter_mut().zip(x).zip(d) {
                *t = xi + s * di;
            }
            let ft = f(trial);
            if ft <= f0 + self.c * s * slope {
                return Some((s, ft));
            }
            s *= self.shrink;
        }
        None
    }
}
