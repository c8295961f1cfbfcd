//! [`Method::ReverseUnrolled`](crate::Method::ReverseUnrolled): reverse mode through the
//! iterations of the inner solver, on the tape of `hypergrad-ad`, with optional truncation and
//! checkpointing.

use crate::{BilevelError, Criterion, InnerProblem};
use hypergrad_ad::reverse::{reverse_unrolled, Checkpoints, Recurrence, TapeStats};
use hypergrad_ad::{Scalar, Tape, Var};

/// A [`FixedPointMap`](hypergrad_optim::FixedPointMap) seen as a recurrence on the tape.
struct MapRecurrence<'a, P>(&'a P);

impl<P: InnerProblem> Recurrence<f64> for MapRecurrence<'_, P> {
    fn step<'t>(
        &self,
        _tape: &'t Tape<f64>,
        x: &[Var<'t, f64>],
        theta: &[Var<'t, f64>],
        out: &mut [Var<'t, f64>],
    ) {
        self.0.apply(x, theta, out);
    }
}

/// What one reverse-unrolled hypergradient returns.
pub(crate) struct ReverseResult {
    pub value: f64,
    pub grad: Vec<f64>,
    pub x: Vec<f64>,
    pub stored_states: usize,
    pub peak_tape: TapeStats,
}

/// `h = C(x_K, θ)` and `dh/dθ` for `x_{k+1} = T(x_k, θ)`, `k < K`, from `start`; with
/// `truncate = Some(k)` only the last `k` steps are differentiated (the state before them is
/// treated as a constant: truncated backpropagation).
pub(crate) fn hypergradient_reverse_unrolled<P: InnerProblem, C: Criterion>(
    problem: &P,
    criterion: &C,
    start: &[f64],
    theta: &[f64],
    steps: usize,
    truncate: Option<usize>,
    checkpoints: Checkpoints,
) -> Result<ReverseResult, BilevelError> {
    let differentiated = truncate.map_or(steps, |k| k.min(steps));
    let mut x = start.to_vec();
    let mut next = x.clone();
    for _ in differentiated..steps {
        problem.apply(&x, theta, &mut next);
        std::mem::swap(&mut x, &mut next);
    }
    let mut tape = Tape::new();
    let result = reverse_unrolled(
        &mut tape,
        &MapRecurrence(problem),
        &x,
        theta,
        differentiated,
        checkpoints,
        |x, th| criterion.value(x, th),
    )
    .map_err(|_| BilevelError::InvalidParameter {
        name: "checkpoints",
        value: 0.0,
        reason: "a checkpoint budget must be at least 1",
    })?;
    Ok(ReverseResult {
        value: result.loss.value(),
        grad: result.theta_bar,
        x: result.x_final,
        stored_states: result.stored_states,
        peak_tape: result.peak_tape,
    })
}
