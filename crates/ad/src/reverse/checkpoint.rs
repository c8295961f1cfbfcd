//! Checkpointed reversal of an iteration `x_{k+1} = T(x_k, θ)`, `k = 0 … K−1`, followed by a
//! loss `L(x_K, θ)`: the gradient `(∂L/∂x₀, dL/dθ)` with only some states stored.
//!
//! Segments: the loop is cut into segments of `s` steps. A forward pass records one segment at
//! a time from the state stored at its start (clearing the tape in between) and stores the state
//! at every segment start. Then, from the last segment back to the first, the segment is
//! recorded again from its stored state and reversed, its output adjoints seeded with the input
//! adjoints of the segment after it. Memory: ⌈K/s⌉ stored states plus one segment's tape, so
//! `s = ⌈√K⌉` ([`Checkpoints::Uniform`]) gives O(√K) states for one extra recording per step.
//!
//! Binomial ([`Checkpoints::Binomial`], Griewank's revolve): `c` stored states and a tape of one
//! step; steps are recomputed as the schedule in `revolve.rs` says, O(K log K) recorded steps
//! for `c = ⌈log₂ K⌉` (O(log K) memory).
//!
//! Fit ([`Checkpoints::Fit`]): the full tape when it stays within a budget of bytes, else
//! uniform segments.
//!
//! Bit for bit equal to the full tape ([`Checkpoints::Full`]) in every case: each stored state
//! keeps which entries were constants (tape-less) so a segment records exactly the nodes the full
//! tape holds for it, and `θ̄` is carried from segment to segment by seeding the segment's `θ`
//! nodes with the running total, so every adjoint receives the same additions in the same order.

use super::revolve::split;
use super::{Tape, TapeStats, Var};
use crate::AdError;
use crate::Scalar;

/// One step `x_{k+1} = T_k(x_k, θ)` of an iteration, recorded on a tape. Implement it by calling
/// a generic update `fn apply<S: Scalar>(x: &[S], θ: &[S], out: &mut [S])` with `S = Var<'t, T>`
/// (its vector operations record composite nodes).
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
    /// Binomial checkpointing (revolve) with this many stored states besides `x₀` (at least 1)
    /// and a tape of one step; `⌈log₂ K⌉` states give O(log K) memory and O(K log K) steps.
    Binomial(usize),
    /// [`Full`](Self::Full) while the tape stays within this many bytes, else
    /// [`Uniform`](Self::Uniform): the steps are recorded on one tape, and one that grows past
    /// the budget is dropped (its steps count in `recorded_steps`, its size in `peak_tape`) for
    /// √K segments; at least 1 byte. Short loops of small steps (a solver's few tens of epochs)
    /// then cost one recording per step instead of two.
    Fit(usize),
}

/// The options of [`reverse_unrolled_with`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unroll {
    /// `K`, the number of steps.
    pub steps: usize,
    /// Which states to store.
    pub checkpoints: Checkpoints,
    /// Whether `x₀` is a variable (its adjoint `∂L/∂x₀` is computed) or a constant (fewer
    /// nodes; `x0_bar` is zero).
    pub differentiate_x0: bool,
}

/// The result of [`reverse_unrolled`].
#[derive(Clone, Debug, PartialEq)]
pub struct UnrolledVjp<T> {
    /// `L(x_K, θ)`.
    pub loss: T,
    /// The final iterate `x_K`.
    pub x_final: Vec<T>,
    /// `∂L/∂x₀` (zero if `x₀` is a constant).
    pub x0_bar: Vec<T>,
    /// `dL/dθ` through all `K` steps and the loss.
    pub theta_bar: Vec<T>,
    /// The most states stored at once (`x₀` included).
    pub stored_states: usize,
    /// Steps recorded in total (`K` plus the recomputed ones).
    pub recorded_steps: usize,
    /// The largest tape of any segment.
    pub peak_tape: TapeStats,
}

/// A stored state: values and which entries were variables (not constants) on the full tape.
#[derive(Clone)]
struct State<T> {
    values: Vec<T>,
    variable: Vec<bool>,
}

/// The gradient of `L(x_K, θ)` with `x_{k+1} = map(x_k, θ)` through `steps` steps, `x₀` a
/// variable, reversed with the given checkpointing; see [`reverse_unrolled_with`].
///
/// # Errors
/// [`AdError::InvalidCheckpoints`] for a budget of 0 (states, or bytes for `Fit`).
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
    let options = Unroll {
        steps,
        checkpoints,
        differentiate_x0: true,
    };
    reverse_unrolled_with(tape, map, x0, theta, options, loss)
}

/// The gradient of `L(x_K, θ)` with `x_{k+1} = map(x_k, θ)`, reversed with the checkpointing
/// and the treatment of `x₀` in `options`; see the module documentation for the schemes and
/// their guarantees.
///
/// # Errors
/// [`AdError::InvalidCheckpoints`] for a budget of 0 states (or 0 bytes for `Fit`).
pub fn reverse_unrolled_with<T, R, L>(
    tape: &mut Tape<T>,
    map: &R,
    x0: &[T],
    theta: &[T],
    options: Unroll,
    loss: L,
) -> Result<UnrolledVjp<T>, AdError>
where
    T: Scalar,
    R: Recurrence<T>,
    L: for<'t> Fn(&[Var<'t, T>], &[Var<'t, T>]) -> Var<'t, T>,
{
    let steps = options.steps;
    let start = State {
        values: x0.to_vec(),
        variable: vec![options.differentiate_x0; x0.len()],
    };
    let mut rev = Reverser {
        tape,
        map,
        theta,
        loss: &loss,
        steps,
        x_bar: vec![T::zero(); x0.len()],
        theta_bar: vec![T::zero(); theta.len()],
        result: None,
        recorded: 0,
        stored: 1,
        peak: TapeStats::default(),
    };
    match options.checkpoints {
        Checkpoints::Budget(0) | Checkpoints::Binomial(0) | Checkpoints::Fit(0) => {
            return Err(AdError::InvalidCheckpoints)
        }
        Checkpoints::Full => rev.segments(start, steps.max(1))?,
        Checkpoints::Uniform => rev.segments(start, root(steps))?,
        Checkpoints::Fit(bytes) => {
            if !rev.reverse_within(&start, 0, steps, Some(bytes))? {
                rev.segments(start, root(steps))?
            }
        }
        Checkpoints::Budget(b) => rev.segments(start, steps.div_ceil(b).max(1))?,
        Checkpoints::Binomial(_) if steps == 0 => rev.reverse(&start, 0, 0)?,
        Checkpoints::Binomial(c) => rev.revolve(&start, 0, steps, c, 1)?,
    }
    let (loss, x_final) = rev.result.take().expect("the last step is reversed first");
    Ok(UnrolledVjp {
        loss,
        x_final,
        x0_bar: rev.x_bar,
        theta_bar: rev.theta_bar,
        stored_states: rev.stored,
        recorded_steps: rev.recorded,
        peak_tape: rev.peak,
    })
}

/// `⌈√K⌉`, at least 1: the segment length of [`Checkpoints::Uniform`].
fn root(steps: usize) -> usize {
    ((steps as f64).sqrt().ceil() as usize).max(1)
}

/// The running state of one reversal: the adjoints carried from segment to segment.
struct Reverser<'a, T: Scalar, R, L> {
    tape: &'a mut Tape<T>,
    map: &'a R,
    theta: &'a [T],
    loss: &'a L,
    steps: usize,
    x_bar: Vec<T>,
    theta_bar: Vec<T>,
    result: Option<(T, Vec<T>)>,
    recorded: usize,
    stored: usize,
    peak: TapeStats,
}

impl<T, R, L> Reverser<'_, T, R, L>
where
    T: Scalar,
    R: Recurrence<T>,
    L: for<'t> Fn(&[Var<'t, T>], &[Var<'t, T>]) -> Var<'t, T>,
{
    /// Segments of `len` steps: a forward pass storing every segment start, then each segment
    /// recorded again and reversed, last first.
    fn segments(&mut self, start: State<T>, len: usize) -> Result<(), AdError> {
        let steps = self.steps;
        let count = steps.div_ceil(len).max(1);
        let bounds = |j: usize| (j * len, ((j + 1) * len).min(steps));
        let mut states = Vec::with_capacity(count);
        let mut state = start;
        for j in 0..count - 1 {
            let (k0, k1) = bounds(j);
            let next = self.advance(&state, k0, k1 - k0);
            states.push(std::mem::replace(&mut state, next));
        }
        states.push(state);
        self.stored = count;
        for j in (0..count).rev() {
            let (k0, k1) = bounds(j);
            self.reverse(&states[j], k0, k1)?;
        }
        Ok(())
    }

    /// Reverses steps `a .. b` from the stored state at `a` with `free` snapshots left, `held`
    /// states stored now (binomial schedule, see `revolve.rs`).
    fn revolve(
        &mut self,
        at_a: &State<T>,
        a: usize,
        b: usize,
        free: usize,
        held: usize,
    ) -> Result<(), AdError> {
        self.stored = self.stored.max(held);
        if b - a == 1 {
            return self.reverse(at_a, a, b);
        }
        if free == 0 {
            for k in (a..b).rev() {
                let at_k = self.advance(at_a, a, k - a);
                self.reverse(&at_k, k, k + 1)?;
            }
            return Ok(());
        }
        let m = a + split(free, b - a);
        let at_m = self.advance(at_a, a, m - a);
        self.revolve(&at_m, m, b, free - 1, held + 1)?;
        drop(at_m);
        self.revolve(at_a, a, m, free, held)
    }

    /// The state `n` steps after `state` (the state before step `k`), recorded one step at a
    /// time on the cleared tape (so the tape never holds more than one step): the same values
    /// and constants as on the full tape.
    fn advance(&mut self, state: &State<T>, k: usize, n: usize) -> State<T> {
        let mut state = state.clone();
        for j in k..k + n {
            self.tape.clear();
            let t: &Tape<T> = self.tape;
            let (_, _, out) = record_segment(t, self.map, &state, self.theta, j..j + 1, None)
                .expect("a segment without a budget always records");
            state = State {
                values: out.iter().map(Var::primal).collect(),
                variable: out.iter().map(|v| v.tape().is_some()).collect(),
            };
            self.peak = larger(self.peak, self.tape.memory());
        }
        self.recorded += n;
        state
    }

    /// Records steps `k0 .. k1` from `state` and reverses them: the outputs seeded with `x̄`
    /// (or the loss with 1 if `k1 = K`), `θ` with the running `θ̄`.
    fn reverse(&mut self, state: &State<T>, k0: usize, k1: usize) -> Result<(), AdError> {
        self.reverse_within(state, k0, k1, None).map(|_| ())
    }

    /// [`reverse`](Self::reverse) if the tape of the steps stays within `budget` bytes (any
    /// size for `None`); `false` (no adjoint changed) once it grows past them.
    fn reverse_within(
        &mut self,
        state: &State<T>,
        k0: usize,
        k1: usize,
        budget: Option<usize>,
    ) -> Result<bool, AdError> {
        self.tape.clear();
        let t: &Tape<T> = self.tape;
        let recorded = record_segment(t, self.map, state, self.theta, k0..k1, budget);
        self.peak = larger(self.peak, t.memory());
        let (xs, ths, out) = match recorded {
            Ok(segment) => segment,
            Err(steps) => {
                self.recorded += steps;
                return Ok(false);
            }
        };
        self.recorded += k1 - k0;
        let mut seeds: Vec<(Var<'_, T>, T)> = ths
            .iter()
            .copied()
            .zip(self.theta_bar.iter().copied())
            .collect();
        if k1 == self.steps {
            let l = (self.loss)(&out, &ths);
            seeds.push((l, T::one()));
            self.result = Some((l.primal(), out.iter().map(Var::primal).collect()));
        } else {
            seeds.extend(out.iter().copied().zip(self.x_bar.iter().copied()));
        }
        t.reverse(&seeds)?;
        t.adjoints_into(&xs, &mut self.x_bar)?;
        t.adjoints_into(&ths, &mut self.theta_bar)?;
        self.peak = larger(self.peak, t.memory());
        Ok(true)
    }
}

/// The recorded inputs, `θ` nodes and output of the steps `steps` from `state`; `Err(k)` if the
/// tape grew past `budget` bytes at the `k`-th step (never for `None`).
#[allow(clippy::type_complexity)]
fn record_segment<'t, T: Scalar, R: Recurrence<T>>(
    tape: &'t Tape<T>,
    map: &R,
    state: &State<T>,
    theta: &[T],
    steps: std::ops::Range<usize>,
    budget: Option<usize>,
) -> Result<(Vec<Var<'t, T>>, Vec<Var<'t, T>>, Vec<Var<'t, T>>), usize> {
    let ths = tape.vars(theta);
    let xs: Vec<_> = state
        .values
        .iter()
        .zip(&state.variable)
        .map(|(&v, &var)| if var { tape.var(v) } else { Var::constant(v) })
        .collect();
    let mut x = xs.clone();
    let mut out = vec![Var::constant(T::zero()); x.len()];
    for k in steps.clone() {
        map.step(k, tape, &x, &ths, &mut out);
        std::mem::swap(&mut x, &mut out);
        if budget.is_some_and(|bytes| tape.memory().bytes > bytes) {
            return Err(k + 1 - steps.start);
        }
    }
    Ok((xs, ths, x))
}

/// The larger of two tape footprints (by bytes).
fn larger(a: TapeStats, b: TapeStats) -> TapeStats {
    if b.bytes > a.bytes {
        b
    } else {
        a
    }
}
