//! [`Method::ReverseUnrolled`](crate::Method::ReverseUnrolled): reverse mode through the
//! iterations of the inner solver, on the tape of `hypergrad-ad`, with optional truncation and
//! checkpointing.

use crate::{BilevelError, Criterion};
use hypergrad_ad::reverse::{reverse_unrolled, Checkpoints, Recurrence, TapeStats};
use hypergrad_ad::{Tape, Var};
use hypergrad_optim::FixedPointMap;

/// A [`FixedPointMap`] seen as a recurrence on the tape, its step `k` being the map's
/// iteration `offset + k`.
struct MapRecurrence<'a, P> {
    map: &'a P,
    offset: usize,
}

impl<P: FixedPointMap> Recurrence<f64> for MapRecurrence<'_, P> {
    fn step<'t>(
        &self,
        k: usize,
        _tape: &'t Tape<f64>,
        x: &[Var<'t, f64>],
        theta: &[Var<'t, f64>],
        out: &mut [Var<'t, f64>],
    ) {
        self.map.apply_iteration(self.offset + k, x, theta, out);
    }
}

/// What one reverse-unrolled hypergradient returns.
pub(crate) struct ReverseResult {
    pub grad: Vec<f64>,
    pub x: Vec<f64>,
    pub stored_states: usize,
    pub peak_tape: TapeStats,
}

/// `h = C(x_K, θ)` and `dh/dθ` for `x_{k+1} = T(x_k, θ)`, `k < K`, from `start`; with
/// `truncate = Some(k)` only the last `k` steps are differentiated (the state before them is
/// treated as a constant: truncated backpropagation).
pub(crate) fn hypergradient_reverse_unrolled<P: FixedPointMap, C: Criterion>(
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
    for k in 0..steps - differentiated {
        problem.apply_iteration(k, &x, theta, &mut next);
        std::mem::swap(&mut x, &mut next);
    }
    let mut tape = Tape::new();
    let result = reverse_unrolled(
        &mut tape,
        &MapRecurrence {
            map: problem,
            offset: steps - differentiated,
        },
        &x,
        theta,
        differentiated,
        checkpoints,
        |x, th| criterion.value(&x[..criterion.dim_x()], th),
    )
    .map_err(|_| BilevelError::InvalidParameter {
        name: "checkpoints",
        value: 0.0,
        reason: "a checkpoint budget must be at least 1",
    })?;
    Ok(ReverseResult {
        grad: result.theta_bar,
        x: result.x_final,
        stored_states: result.stored_states,
        peak_tape: result.peak_tape,
    })
}
