//! [`AdError`]: the errors of `hypergrad-ad` (forward and reverse drivers, tapes, checkpoints).

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
    /// A variable recorded on another tape was passed to this tape.
    #[error("a variable of another tape was passed to this tape")]
    ForeignVar,
    /// A checkpoint budget of zero stored states (or zero bytes).
    #[error("checkpointing needs a budget of at least one stored state (or one byte)")]
    InvalidCheckpoints,
    /// An adjoint was asked for a variable that has no node of its own: computed on a tape that
    /// preaccumulates ([`Tape::clear_preaccumulating`](crate::Tape::clear_preaccumulating)),
    /// it is a multiple of an earlier node.
    #[error("the variable has no node of its own (its tape preaccumulates), so no adjoint")]
    NoNode,
    /// A replay input is not an input node (`Tape::var`) of the tape.
    #[error("a replay input is not an input variable of the tape")]
    InvalidInput,
    /// A tape was asked to replay a recording whose result may depend on its input values in a
    /// way the tape cannot evaluate again (a branch on a value, a custom node).
    #[error("the recording cannot be replayed: {reason}")]
    NotReplayable {
        /// What the recording did.
        reason: &'static str,
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
