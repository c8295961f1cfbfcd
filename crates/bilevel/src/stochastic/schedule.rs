//! [`StepSize`]: the step schedules of the stochastic solvers.

use crate::BilevelError;

/// A step size as a function of the iteration `t = 0, 1, …`.
///
/// ```
/// use hypergrad_bilevel::stochastic::StepSize;
///
/// assert_eq!(StepSize::Constant(0.1).at(100), 0.1);
/// // SOBA's schedule for the outer variable, γₜ = β (t + 1)^(−3/5):
/// let gamma = StepSize::Decreasing { initial: 0.5, exponent: 0.6 };
/// assert_eq!(gamma.at(0), 0.5);
/// assert!((gamma.at(31) - 0.5 / 8.0).abs() < 1e-15);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StepSize {
    /// The same step at every iteration (SABA's).
    Constant(f64),
    /// `initial · (t + 1)^(−exponent)`: SOBA converges with `ρₜ ∝ t^(−2/5)` for the inner and
    /// linear-system variables and `γₜ ∝ t^(−3/5)` for the outer one (Dagréou et al., 2022).
    Decreasing {
        /// The step at `t = 0`.
        initial: f64,
        /// The decay exponent, in `[0, 1]`.
        exponent: f64,
    },
}

impl StepSize {
    /// The step at iteration `t`.
    pub fn at(&self, t: usize) -> f64 {
        match *self {
            StepSize::Constant(step) => step,
            StepSize::Decreasing { initial, exponent } => {
                initial * ((t + 1) as f64).powf(-exponent)
            }
        }
    }

    /// Checks that the steps are finite and positive and the exponent in `[0, 1]`.
    pub(crate) fn validate(&self, name: &'static str) -> Result<(), BilevelError> {
        let (initial, exponent) = match *self {
            StepSize::Constant(step) => (step, 0.0),
            StepSize::Decreasing { initial, exponent } => (initial, exponent),
        };
        if !(initial > 0.0 && initial.is_finite()) {
            return Err(BilevelError::InvalidParameter {
                name,
                value: initial,
                reason: "a step must be finite and positive",
            });
        }
        if !(0.0..=1.0).contains(&exponent) {
            return Err(BilevelError::InvalidParameter {
                name,
                value: exponent,
                reason: "a decay exponent must lie in [0, 1]",
            });
        }
        Ok(())
    }
}
