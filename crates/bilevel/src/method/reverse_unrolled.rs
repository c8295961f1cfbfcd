//! [`Method::ReverseUnrolled`](crate::Method::ReverseUnrolled): reverse mode through the
//! iterations of the inner solver ([`Unrolling`]: its epochs on working sets, or the plain
//! iterations of `T`) on the tape of `hypergrad-ad`, with optional truncation and
//! checkpointing.
//!
//! Error estimate: the distance to the implicit derivative at the last iterate
//! ([`reference_at`]: the model's direct derivative there, else warm Neumann iterations) plus
//! that reference's own error ([`unrolled_error`]): the unrolled derivative converges like `Kρᴷ`
//! (its forcing terms carry the iterates' own error), which no single-step measure catches.

use super::{reference_at, unrolled_error, Derivative, Inputs, MapRecurrence, Unrolling};
use crate::diagnostics::{TapeUse, WarmStart};
use crate::{BilevelError, Criterion};
use hypergrad_ad::reverse::{reverse_unrolled, Checkpoints};
use hypergrad_ad::Tape;
use hypergrad_optim::FixedPointMap;

/// `h = C(x_K, θ)` and `dh/dθ` for `x_{k+1} = U_k(x_k, θ)`, `k < K` (the steps of the
/// [`Unrolling`]), from the start; with
/// `truncate = Some(k)` only the last `k` steps are differentiated (the state before them is
/// treated as a constant: truncated backpropagation).
pub(super) fn run<P: FixedPointMap, C: Criterion>(
    inputs: &Inputs<'_, P, C>,
    truncate: Option<usize>,
    checkpoints: Checkpoints,
    warm: &mut WarmStart,
) -> Result<Derivative, BilevelError> {
    let program = Unrolling::of(inputs)?;
    let steps = program.steps;
    let (problem, criterion, theta) = (inputs.problem, inputs.criterion, inputs.theta);
    let differentiated = truncate.map_or(steps, |k| k.min(steps));
    let mut x = inputs.start.to_vec();
    let mut next = x.clone();
    for k in 0..steps - differentiated {
        program.step(problem, k, &x, theta, &mut next);
        std::mem::swap(&mut x, &mut next);
    }
    let mut tape = Tape::new();
    let recurrence = MapRecurrence {
        map: problem,
        program: &program,
        offset: steps - differentiated,
    };
    let c = criterion.dim_x();
    let result = reverse_unrolled(
        &mut tape,
        &recurrence,
        &x,
        theta,
        differentiated,
        checkpoints,
        |x, th| criterion.value(&x[..c], th),
    )?;
    let reference = reference_at(inputs, &result.x_final, None, warm);
    let (error, contraction) = unrolled_error(&result.theta_bar, reference);
    Ok(Derivative {
        grad: result.theta_bar,
        x: Some(result.x_final),
        error,
        contraction,
        iterations: differentiated,
        tape: Some(TapeUse {
            stored_states: result.stored_states,
            peak: result.peak_tape,
        }),
        ..Derivative::default()
    })
}
