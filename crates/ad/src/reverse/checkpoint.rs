//! Checkpointed reversal of an iteration `x_{k+1} = T(x_k, θ)`, `k = 0 … K−1`, followed by a
//! loss `L(x_K, θ)`: the gradient `(∂L/∂x₀, dL/dθ)` with only some states stored.
//!
//! The loop is cut into segments of `s` steps. A forward pass records one segment at a time
//! from the state stored at its start (clearing the tape in between) and stores the state at
//! every segment start; the last segment's recording is reversed directly. Then, from the
//! last-but-one segment back to the first, the segment is recorded again from its stored state
//! and reversed, its output adjoints seeded with the input adjoints of the segment after it.
//!
//! Memory: ⌈K/s⌉ stored states plus one segment's tape, so `s = ⌈√K⌉` ([`Checkpoints::Uniform`])
//! gives O(√K) states; the cost is at most one extra recording per step.
//!
//! Bit for bit equal to the full tape ([`Checkpoints::Full`]): each stored state keeps which
//! entries were constants (tape-less) so a segment records exactly the nodes the full tape holds
//! for it, and `θ̄` is carried from segment to segment by seeding the segment's `θ` nodes with the
//! running total, so every adjoint receives the same additions in the same order.

use super::{Tape, TapeStats, Var};
use crate::AdError;
use crate::Scalar;

/// One step `x_{k+1} = T_k(x_k, θ)` of an iteration, recorded on a tape. Implement it by calling
/// a generic update `fn apply<S: Scalar>(x: &[S], θ: &[S], out: &mut [S])` with `S = Var<'t, T>`,
/// or by using composite nodes of `tape` ([`Tape::matvec`], …) for vectorized steps.
pub trait Recurrence<T: Scalar> {
    /// Writes `T_k(x, θ)` into `out` (of the length of `x`); `k` is the index of the step
    /// (0 first), for iterations whose update depends on it (momentum or step schedules).
    fn step<'t>(
        &self,
        k: usize,
        tape: &'t Tape<T>,
        x: &[Var<'t, T>],
        theta: &[Var<'t, T>],
        out: &mut [Var<'t, T>],
    );
}

/// Which states to store when reversing a `K`-step loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checkpoints {
    /// Record the whole loop on one tape (no recomputation).
    Full,
    /// Segments of `⌈√K⌉` steps: O(√K) stored states and tape.
    Uniform,
    /// At most this many stored states (segments of `⌈K / budget⌉` steps); at least 1.
    Budget(usize),
}

/// The result of [`reverse_unrolled`].
#[derive(Clone, Debug, PartialEq)]
pub struct UnrolledVjp<T> {
    /// `L(x_K, θ)`.
    pub loss: T,
    /// The final iterate `x_K`.
    pub x_final: Vec<T>,
    /// `∂L/∂x₀`.
    pub x0_bar: Vec<T>,
    /// `dL/dθ` through all `K` steps and the loss.
    pub theta_bar: Vec<T>,
    /// Number of states stored (segment starts).
    pub stored_states: usize,
    /// Steps recorded in total (`K` plus the recomputed ones).
    pub recorded_steps: usize,
    /// The largest tape of any segment.
    pub peak_tape: TapeStats,
}

/// A stored state: values and which entries were variables (not constants) on the full tape.
struct State<T> {
    values: Vec<T>,
    variable: Vec<bool>,
}

/// The gradient of `L(x_K, θ)` with `x_{k+1} = map(x_k, θ)` through `steps` steps, reversed with
/// the given checkpointing; see the module documentation for the scheme and its guarantees.
///
/// # Errors
/// [`AdError::InvalidCheckpoints`] for a budget of 0.
pub fn reverse_unrolled<T, R, L>(
    tape: &mut Tape<T>,
    map: &R,
    x0: &[T],
    theta: &[T],
    steps: usize,
    checkpoints: Checkpoints,
    loss: L,
) -> Result<UnrolledVjp<T>, AdError>
where
    T: Scalar,
    R: Recurrence<T>,
    L: for<'t> Fn(&[Var<'t, T>], &[Var<'t, T>]) -> Var<'t, T>,
{
    let segment = match checkpoints {
        Checkpoints::Full => steps.max(1),
        Checkpoints::Uniform => ((steps as f64).sqrt().ceil() as usize).max(1),
        Checkpoints::Budget(0) => return Err(AdError::InvalidCheckpoints),
        Checkpoints::Budget(b) => steps.div_ceil(b).max(1),
    };
    let segments = steps.div_ceil(segment).max(1);
    let bounds = |j: usize| (j * segment, ((j + 1) * segment).min(steps));
    let mut states = Vec::with_capacity(segments);
    let mut state = State {
        values: x0.to_vec(),
        variable: vec![true; x0.len()],
    };
    let mut peak = TapeStats::default();
    // Forward pass: record and drop every segment but the last, keeping its start state.
    for j in 0..segments - 1 {
        let (k0, k1) = bounds(j);
        tape.clear();
        let next = {
            let t: &Tape<T> = tape;
            let (_, _, out) = record_segment(t, map, &state, theta, k0..k1);
            State {
                values: out.iter().map(Var::primal).collect(),
                variable: out.iter().map(|v| v.tape().is_some()).collect(),
            }
        };
        peak = larger(peak, tape.memory());
        states.push(std::mem::replace(&mut state, next));
    }
    states.push(state);
    let mut x_bar = vec![T::zero(); x0.len()];
    let mut theta_bar = vec![T::zero(); theta.len()];
    let mut result = None;
    let mut recorded = 0;
    for j in (0..segments).rev() {
        let (k0, k1) = bounds(j);
        recorded += k1 - k0;
        tape.clear();
        let t: &Tape<T> = tape;
        let (xs, ths, out) = record_segment(t, map, &states[j], theta, k0..k1);
        let mut seeds: Vec<(Var<'_, T>, T)> =
            ths.iter().copied().zip(theta_bar.iter().copied()).collect();
        if j == segments - 1 {
            let l = loss(&out, &ths);
            seeds.push((l, T::one()));
            result = Some((l.primal(), out.iter().map(Var::primal).collect::<Vec<_>>()));
        } else {
            seeds.extend(out.iter().copied().zip(x_bar.iter().copied()));
        }
        t.reverse(&seeds)?;
        t.adjoints_into(&xs, &mut x_bar)?;
        t.adjoints_into(&ths, &mut theta_bar)?;
        peak = larger(peak, t.memory());
    }
    let (loss, x_final) = result.expect("the loop above visits the last segment");
    let forward_steps = bounds(segments - 1).0;
    Ok(UnrolledVjp {
        loss,
        x_final,
        x0_bar: x_bar,
        theta_bar,
        stored_states: segments,
        recorded_steps: recorded + forward_steps,
        peak_tape: peak,
    })
}

/// The recorded inputs, `θ` nodes and output of the steps `steps` from `state`.
#[allow(clippy::type_complexity)]
fn record_segment<'t, T: Scalar, R: Recurrence<T>>(
    tape: &'t Tape<T>,
    map: &R,
    state: &State<T>,
    theta: &[T],
    steps: std::ops::Range<usize>,
) -> (Vec<Var<'t, T>>, Vec<Var<'t, T>>, Vec<Var<'t, T>>) {
    let ths = tape.vars(theta);
    let xs: Vec<_> = state
        .values
        .iter()
        .zip(&state.variable)
        .map(|(&v, &var)| if var { tape.var(v) } else { Var::constant(v) })
        .collect();
    let mut x = xs.clone();
    let mut out = vec![Var::constant(T::zero()); x.len()];
    for k in steps {
        map.step(k, tape, &x, &ths, &mut out);
        std::mem::swap(&mut x, &mut out);
    }
    (xs, ths, x)
}

/// The larger of two tape footprints (by bytes).
fn larger(a: TapeStats, b: TapeStats) -> TapeStats {
    if b.bytes > a.bytes {
        b
    } else {
        a
    }
}
