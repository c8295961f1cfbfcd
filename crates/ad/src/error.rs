//! [`AdError`]: the errors of the `hypergrad-ad` drivers.

use thiserror::Error;

/// What can go wrong when a driver is handed inputs it can detect as inconsistent.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AdError {
    /// Two inputs that must have the same length do not (e.g. the point `x` and the direction
    /// `v` of a Jacobian–vector product).
    #[error("{what}: expected length {expected}, got {got}")]
    LengthMismatch {
        /// Which argument has the wrong length.
        what: &'static str,
        /// The length it must have.
        expected: usize,
        /// The length it has.
        got: usize,
    },
    /// The function returned outputs of different lengths on different passes of one driver
    /// call (it branches on something other than its input values).
    #[error("function output length changed between passes: {first} then {later}")]
    InconsistentOutput {
        /// Output length on the first pass.
        first: usize,
        /// Output length on a later pass.
        later: usize,
    },
}

/// `Ok(())` if `got == expected`, else [`AdError::LengthMismatch`].
pub(crate) fn check_len(what: &'static str, expected: usize, got: usize) -> Result<(), AdError> {
    if expected == got {
        Ok(())
    } else {
        Err(AdError::LengthMismatch {
            what,
            expected,
            got,
        })
    }
}
