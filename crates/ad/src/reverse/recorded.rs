//! [`Recorded`]: a scalar function recorded once, whose gradient is then computed at any point by
//! a replay and a sweep, without running the user's code again.

use super::{Tape, TapeStats, Var};
use crate::error::{check_len, AdError};
use crate::Scalar;

/// A recording of `f: ℝⁿ → ℝ` kept for replays ([`Tape::replay`]): record once, then
/// [`Recorded::gradient`] at new points. Valid when the control flow of `f` does not depend on
/// its inputs (a fixed number of solver steps, non-smooth primitives through the vector
/// operations); otherwise construction still succeeds but `gradient` returns
/// [`AdError::NotReplayable`] (check with [`Recorded::replayable`]).
///
/// The closure receives the tape itself beside the inputs, for its composite operations.
///
/// A replay evaluates every recorded operation again, so on code made of scalar operations it
/// costs about twice a fresh recording by [`gradient_on`](super::gradient_on), whose tape
/// preaccumulates (extended Rosenbrock: 33–40× against 16–17.5× the `f64` evaluation,
/// `benches/reverse.rs`). Replays pay off on programs of vector operations (200 ISTA steps:
/// 1.6× the `f64` solve, `benches/unroll.rs`) and on programs that cannot be run again.
///
/// ```
/// use hypergrad_ad::reverse::Recorded;
/// use hypergrad_ad::Scalar;
///
/// fn f<S: Scalar>(x: &[S]) -> S {
///     x[0] * x[0] * x[1] + x[1].sin()
/// }
/// let mut rec = Recorded::new(|_, x| f(x), &[1.0, 2.0]);
/// let mut g = [0.0; 2];
/// let y = rec.gradient(&[3.0, 0.0], &mut g).unwrap();
/// assert_eq!((y, g), (0.0, [0.0, 10.0]));
/// ```
pub struct Recorded<T: Scalar> {
    tape: Tape<T>,
    inputs: Vec<u32>,
    /// The output node, `None` if `f` returned a constant.
    output: Option<u32>,
    /// The output's value when it is a constant.
    constant: T,
}

impl<T: Scalar> Recorded<T> {
    /// Records `f` at `x`.
    pub fn new<F>(f: F, x: &[T]) -> Self
    where
        F: for<'t> FnOnce(&'t Tape<T>, &[Var<'t, T>]) -> Var<'t, T>,
    {
        let tape = Tape::new();
        let (inputs, output, constant) = {
            let xs = tape.vars(x);
            let y = f(&tape, &xs);
            let inputs = xs.iter().map(|v| v.index).collect();
            (inputs, y.node(), y.primal())
        };
        Self {
            tape,
            inputs,
            output,
            constant,
        }
    }

    /// `Ok` if the recording can be replayed, else why not.
    ///
    /// # Errors
    /// [`AdError::NotReplayable`] with the reason.
    pub fn replayable(&self) -> Result<(), AdError> {
        match self.tape.blocker.get() {
            Some(reason) => Err(AdError::NotReplayable { reason }),
            None => Ok(()),
        }
    }

    /// `f(x)` and `∇f(x)` into `grad`: one replay of the recording at `x`, one sweep.
    ///
    /// # Errors
    /// [`AdError::LengthMismatch`] if `x` or `grad` does not have one entry per input;
    /// [`AdError::NotReplayable`] if the recording cannot be replayed.
    pub fn gradient(&mut self, x: &[T], grad: &mut [T]) -> Result<T, AdError> {
        check_len("point", self.inputs.len(), x.len())?;
        check_len("gradient output", self.inputs.len(), grad.len())?;
        let Some(out) = self.output else {
            grad.iter_mut().for_each(|g| *g = T::zero());
            return Ok(self.constant);
        };
        self.tape.replay_indices(&self.inputs, x)?;
        self.tape.reverse_indices(&[(out, T::one())]);
        let r = self.tape.rec.borrow();
        for (g, &i) in grad.iter_mut().zip(&self.inputs) {
            *g = r.adjoints[i as usize];
        }
        Ok(r.values[out as usize])
    }

    /// The memory the recording holds.
    pub fn memory(&self) -> TapeStats {
        self.tape.memory()
    }
}
