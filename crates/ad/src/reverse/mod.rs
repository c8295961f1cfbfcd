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
//! same thing and return [`AdError::ForeignVar`](crate::AdError::ForeignVar). Recording on a
//! tape from inside its own sweep or replay (a custom rule reaching a thread-local tape) panics,
//! as a `RefCell` would. A `Tape` is `!Sync` (interior mutability inside) and a `Var` is
//! `!Send`: record on one tape per thread. A tape with no live variable may move
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
//! variable is one operand with partial `2x`; a preaccumulating tape stores no code, and its
//! inputs as a block of indices without records); composite nodes in side arrays (an
//! operator is kept as a clone of its `Arc`, a matrix given to [`Tape::matrix`] is copied once);
//! composite outputs are node indices without records. Values live in the `Var`s (a replay
//! computes them into the tape). [`Tape::memory`] reports nodes and bytes; [`Tape::clear`] keeps
//! the capacity for the next recording. Custom primitives ([`Tape::custom`],
//! [`Scalar::custom`](crate::Scalar::custom)) are recorded from their value and local partials;
//! a [`CustomVjp`](crate::CustomVjp) rule ([`Scalar::custom_vjp`](crate::Scalar::custom_vjp)) as
//! one node keeping its input and output values, swept by the rule's own VJP (a whole solver
//! step, such as a coordinate-descent sweep, in one node).
//!
//! ## Preaccumulation (the gradient drivers)
//! [`gradient`], [`gradient_on`], [`vjp`], [`jacobian`] and [`hvp`] record on a tape that
//! preaccumulates ([`Tape::clear_preaccumulating`]): a variable there is `w·v`, a weight times
//! a recorded node, so an operation of one variable records nothing (it multiplies the weight
//! by its partial) and an operation of two records one node with the weights folded into its
//! partials. Extended Rosenbrock's term, 9 operations, is 3 nodes instead of 9. Such a
//! recording cannot be replayed, and its intermediate variables have no adjoint of their own
//! ([`AdError::NoNode`](crate::AdError::NoNode)); [`Recorded`] and a plain [`Tape`] keep one
//! node per operation.
//!
//! ## Cost
//! Extended Rosenbrock (`benches/reverse.rs`, × one `f64` evaluation, n = 1000 … 100 000, one
//! run): the drivers' fresh recording and sweep 15.9–17.5× (one node per operation: 49–57×), a
//! replay and sweep 33–40×, beside echidna 0.15's tape (114–119×) and bytecode replay (57–62×);
//! the Hessian–vector product at n = 1000 28× fresh, 50× replayed, echidna's 99×.
//!
//! Where the time goes (n = 1000, the `f64` loop evaluates a term in 0.82 ns): preaccumulated,
//! ≈ 13.5 ns a term: recording ≈ 7 (9 operations, 3 appends: 163 instructions a term,
//! callgrind), the sweep ≈ 4.5 (3 nodes, 37 instructions a node; its time follows both the
//! instruction count and the chain of adjoints through memory: adding a zero carry
//! unconditionally, 4 instructions less a node, made it slower), the inputs ≈ 0.8, zeroing the
//! adjoints ≈ 0.3. A hand-written tape of the same design without any abstraction measured 10.5
//! ns (12.9×): the floor of an interpreted, preaccumulated tape is close. An append reads the
//! tape's borrow state without writing it (`cell.rs`; through a `RefCell`, 19.3 ns a term
//! instead of 14.3).
//!
//! A replay evaluates every operation again (9 a term, ≈ 1.65 ns each, then a sweep of 9 nodes),
//! so on scalar code it costs about twice a fresh preaccumulated recording: prefer
//! [`gradient_on`] when the program can be run again, and [`Recorded`] for a program that
//! cannot, or one made of vector operations (ISTA, 200 steps: 1.6× the `f64` solve replayed,
//! `benches/unroll.rs`). 5× the `f64` loop is out of reach of an interpreted tape. Generated code
//! gets there only while the code fits in cache (a study of Rosenbrock compiled from its tape,
//! December 2026: LLVM, chunks of 2000 operations, 3.0× at n = 1000, 4.2–4.5× at 10⁴, 21.6× at
//! 10⁵; Cranelift 4.5×, 7×, 48–74×, compiling 8 µs an operation): a tape compiler would also
//! have to find the repeated term and emit a loop. The vector operations get close to the bound
//! on library code (ISTA, 200 steps: 1.8× fresh, `benches/unroll.rs`; a heavy-ball solver
//! 2.4–2.8×, `benches/heavy_ball.rs`).
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

mod cell;
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
