//! Reverse mode: a [`Tape`] records the program run on [`Var`]s; one backward sweep gives a
//! vector–Jacobian product `wᵀJ`, so the gradient of a scalar function costs a small constant
//! times one evaluation whatever the number of inputs.
//!
//! ## The handle: `Var<'t, T>` borrows its tape
//! A [`Var`] holds its value, its node index and `Option<&'t Tape<T>>`. The lifetime makes a
//! stale variable a compile error (the tape cannot be cleared or dropped while a variable lives)
//! and lets several tapes coexist (one per thread, nested ones) without a global registry. The
//! price: `Var` is not `'static`, so ndarray's `dot` and array arithmetic (which need
//! `LinalgScalar: 'static`) do not apply to arrays of `Var`. Vector code uses the vector
//! operations of [`Scalar`](crate::Scalar) instead (`S::dot`, `S::axpy`, `S::matvec`,
//! `S::map_slice`, …), which a `Var` records as composite nodes: one node per vector operation
//! instead of one per scalar multiplication, and constants as the sink, not as nodes.
//! Constants carry no tape (`None`), so `Float::zero()`, `nan()`, `Scalar::from_f64` work in
//! generic code; a binary operation takes the tape of whichever operand has one.
//!
//! ## Misuse and threads
//! Mixing variables of two tapes in one operation is a programming error: it panics with a
//! clear message (a pointer comparison per binary operation). The sweep entry points check the
//! same thing and return [`AdError::ForeignVar`](crate::AdError::ForeignVar). A `Tape` is
//! `!Sync` (a `RefCell` inside) and a `Var` is `!Send`: record on one tape per thread. A tape with no live variable may move
//! to another thread (`Tape<f64>: Send`). Sharing one is rejected at compile time:
//!
//! ```compile_fail
//! fn shared<S: Sync>(_: &S) {}
//! shared(&hypergrad_ad::Tape::<f64>::new());
//! ```
//!
//! ## Derivative rules
//! Identical to forward mode, kink choices included (`abs` at 0 → 0, `max`/`min` tie → `self`,
//! `hypot` at the origin → 0, `powf` at `x = 0`, `powi(x, 0)` → 0): `Var` implements the forward
//! module's chain-rule primitives and gets every rule from the same macro (see
//! [`crate::forward`]).
//!
//! ## What the tape stores
//! One 24-byte record per scalar operation (two partials, two `u32` operand indices; unused slots
//! point to a sink node 0, which the sweep skips) and its one-byte operation code (`x·x` of one
//! variable is one operand with partial `2x`); composite nodes in side arrays (an
//! operator is kept as a clone of its `Arc`, a matrix given to [`Tape::matrix`] is copied once);
//! composite outputs are node indices without records. Values live in the `Var`s (a replay
//! computes them into the tape). [`Tape::memory`] reports nodes and bytes; [`Tape::clear`] keeps
//! the capacity for the next recording. Custom primitives ([`Tape::custom`],
//! [`Scalar::custom`](crate::Scalar::custom)) are recorded from their value and local partials;
//! a [`CustomVjp`](crate::CustomVjp) rule ([`Scalar::custom_vjp`](crate::Scalar::custom_vjp)) as
//! one node keeping its input and output values, swept by the rule's own VJP (a whole solver
//! step, such as a coordinate-descent sweep, in one node).
//!
//! Cost on extended Rosenbrock (`benches/reverse.rs`, × one `f64` evaluation; two runs on a
//! shared 2-core machine, each beside the tape of `main` before issue 15's tape work, same
//! bench code): a fresh recording and sweep 53–70× (before: 62–84×), a replay and sweep 38–61×
//! (before: 33–71×), beside echidna 0.15's tape (115–168×) and bytecode replay (48–92×), for
//! n = 1000 … 100 000; the Hessian–vector product at n = 1000 (forward over reverse) 64–73×
//! fresh and 57× replayed (before: 90–91× and 70–77×), echidna's bytecode HVP 102×. Since a
//! replay no longer clears its value array (issue 15, item 2; one run beside d99f16a): fresh
//! 47.5–54× (before 49–52×), replayed 36–39× (before 39–46×), HVP replayed 54× (before 57×).
//!
//! Where the time goes (n = 1000, ns per node, one tape of 9 nodes a term that the `f64` loop
//! evaluates in 0.8 ns): recording ≈ 2.8 (the `RefCell` borrow, two pushes, the index;
//! ≈ 0.4 of it is the borrow check), sweep ≈ 1.6, replay ≈ 1.65 (`Tape::replay` of 9 000
//! nodes; 1.65 to 2.4 in builds that differ only in code placement). Issue 15's targets, ≤ 15×
//! fresh and ≤ 5× replayed, need ≤ 1.5–1.8 ns a node for recording and sweep together and
//! ≤ 0.5–0.6 for replay and sweep: a node-per-operation tape pays at least a 24-byte write, a
//! 24-byte read and one or two read-modify-writes of the adjoint array per operation the `f64`
//! loop does in ~0.1 ns, so these targets need fewer nodes (statement-level records, which
//! operator overloading on a `Copy` variable cannot see) rather than cheaper ones. The vector
//! operations get there (ISTA, 200 steps: 4.8× fresh, 4.0× replayed, `benches/unroll.rs`; a
//! heavy-ball solver 2.5–3.2×, `benches/heavy_ball.rs`).
//!
//! ## Loops
//! [`reverse_unrolled`] reverses `x_{k+1} = T(x_k, θ)` ([`Recurrence`]) with a full tape or with
//! checkpoints ([`Checkpoints`]: `⌈√K⌉`-step segments, a budget of stored states, or binomial
//! checkpointing with O(log K) states), and gives bit for bit the same gradient either way;
//! [`reverse_unrolled_with`] also takes `x₀` as a constant.
//!
//! ## Replay
//! A recording whose control flow does not depend on its inputs can be evaluated again at new
//! inputs ([`Tape::replay`], [`Recorded`]): every node keeps its operation, so the user's code
//! is not run again. A comparison or `value()` read on a recorded variable, or a custom node
//! with given partials, marks the recording as not replayable, and a replay then returns
//! [`AdError::NotReplayable`](crate::AdError::NotReplayable) instead of a wrong number.
//!
//! ## Element type
//! `Tape<Dual<f64>>` runs forward over reverse: the adjoints' tangents are Hessian–vector
//! products ([`hvp`]).

mod checkpoint;
mod composite;
mod drivers;
mod listing;
mod recorded;
mod records;
mod replay;
mod revolve;
mod sweep;
mod tape;
mod var;
mod vector;

pub use checkpoint::{
    reverse_unrolled, reverse_unrolled_with, Checkpoints, Recurrence, Unroll, UnrolledVjp,
};
pub use composite::TapeMatrix;
pub use drivers::{gradient, gradient_on, hvp, jacobian, scalar_fn, vector_fn, vjp};
pub use recorded::Recorded;
pub use tape::{Tape, TapeStats};
pub use var::Var;
