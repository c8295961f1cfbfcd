//! What a [`Tape`] records: scalar nodes, composite nodes and their side arrays, kept in flat
//! vectors behind the tape's [`RecordCell`](super::cell::RecordCell).

use super::replay::ReplayMap;
use super::{Tape, Var};
use crate::custom::CustomVjp;
use crate::op::Op;
use crate::operator::LinearOperator;
use crate::Scalar;
use std::sync::Arc;

/// A scalar node: two operand slots (index, local partial). A unary node or an input points its
/// unused slots to the sink node 0 (its partial slot holds a constant, or an input's value, for
/// replays); the sweep skips them.
#[derive(Clone, Copy)]
pub(super) struct Node<T> {
    pub(super) partials: [T; 2],
    pub(super) args: [u32; 2],
}

impl<T: Scalar> Node<T> {
    /// An input of value `value` (kept in its unused partial slot for replays).
    #[inline(always)]
    pub(super) fn input(value: T) -> Self {
        Self {
            partials: [value, T::zero()],
            args: [SINK; 2],
        }
    }
}

/// The sink: node 0 of every tape, the target of unused operand slots and of constant operands
/// of composite nodes; its adjoint is never read.
pub(super) const SINK: u32 = 0;

/// A matrix copied onto the tape (row-major) by [`Tape::matrix`], shared by every product that
/// uses it.
pub(super) struct StoredMatrix {
    pub(super) at: usize,
    /// Address, shape and strides of the view it was copied from, to find it again.
    pub(super) source: (usize, [usize; 2], [isize; 2]),
    pub(super) rows: usize,
    pub(super) cols: usize,
}

/// A node with more than two operands, or a block of outputs, recorded outside the scalar
/// array. Operand indices live in `Records::args` (the sink for a constant operand), partials in
/// `Records::partials`.
#[derive(Clone, Copy)]
pub(super) enum Composite {
    /// One output with `len` operands listed in `args` from `args_at` and their partials in
    /// `partials` from `partials_at`.
    Wide {
        args_at: usize,
        partials_at: usize,
        len: usize,
        kind: WideKind,
    },
    /// `y = A x` (or `Aᵀ x`) of a stored matrix, `x` listed in `args` from `args_at`.
    Matrix {
        matrix: usize,
        transpose: bool,
        args_at: usize,
    },
    /// `y = A x` (or `Aᵀ x`) of a shared operator, `x` listed in `args` from `args_at`.
    Operator {
        operator: usize,
        transpose: bool,
        args_at: usize,
    },
    /// `zᵢ = α xᵢ + yᵢ`: `args` holds `α, x₁ … xₙ, y₁ … yₙ` and `partials` the values
    /// `α, x₁ … xₙ` (the partials of `zᵢ` with respect to `xᵢ` and `α`).
    Axpy { args_at: usize, partials_at: usize },
    /// `yᵢ = f(xᵢ; wᵢ, p)` with `f = maps[map]` (`zipped`: with the per-entry parameter `wᵢ`):
    /// `args` holds `x₁ … xₙ`, then `w₁ … wₙ` if zipped, then `p₁ … p_k`; `partials` the rows
    /// `(∂f/∂xᵢ, ∂f/∂wᵢ, ∂f/∂p₁, …, ∂f/∂p_k)` for each `i` (no `wᵢ` column unless zipped).
    Diagonal {
        args_at: usize,
        partials_at: usize,
        zipped: bool,
        params: usize,
        map: usize,
    },
    /// Input variables of a tape that preaccumulates: indices without records (such a tape is
    /// never replayed, and an input has no operand for the sweep).
    Inputs,
    /// `y = g(x)` for the rule `pullbacks[rule]` ([`CustomVjp`]): `args` holds `x₁ … x_inputs`
    /// from `args_at`, `partials` their values from `values_at`, then the output values (what
    /// the rule's VJP reads).
    Pullback {
        rule: usize,
        args_at: usize,
        values_at: usize,
        inputs: usize,
    },
}

/// A [`CustomVjp`] rule kept by a tape, at the tape's element type.
pub(super) trait Pullback<T: Scalar>: Send + Sync {
    /// `y = g(x)`.
    fn eval(&self, x: &[T], y: &mut [T]);
    /// `x̄ = J(x)ᵀ ȳ` given `y = g(x)`.
    fn vjp(&self, x: &[T], y: &[T], ybar: &[T], xbar: &mut [T]);
}

impl<T: Scalar, R: CustomVjp> Pullback<T> for R {
    fn eval(&self, x: &[T], y: &mut [T]) {
        CustomVjp::eval(self, x, y)
    }
    fn vjp(&self, x: &[T], y: &[T], ybar: &[T], xbar: &mut [T]) {
        CustomVjp::vjp(self, x, y, ybar, xbar)
    }
}

/// What a wide node computes, so that a replay can evaluate it again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum WideKind {
    /// Partials given by the caller (custom rules): not replayable.
    Opaque,
    /// `Σ xᵢ`.
    Sum,
    /// `Σ aᵢ bᵢ`, operands listed `a₁, b₁, a₂, b₂, …`.
    Dot,
    /// `Σ xᵢ wᵢ` with the constant weights `wᵢ` as partials.
    Weighted,
    /// `Σ xᵢ²`.
    NormSq,
}

/// A composite node: its outputs are the node indices `first .. first + outputs`; it was
/// recorded after the first `node_pos` scalar nodes; the values of its constant operands (the
/// operands listed as the sink) are `consts[consts_at..]`, in operand order.
#[derive(Clone, Copy)]
pub(super) struct Special {
    pub(super) first: u32,
    pub(super) outputs: u32,
    pub(super) node_pos: usize,
    pub(super) consts_at: usize,
    pub(super) kind: Composite,
}

/// Everything a tape records; behind a cell so that recording needs only `&Tape`.
pub(super) struct Records<T: Scalar> {
    pub(super) nodes: Vec<Node<T>>,
    /// The operation of each scalar node (what a replay evaluates).
    pub(super) ops: Vec<Op>,
    /// Composite nodes, in recording order.
    pub(super) specials: Vec<Special>,
    /// Operand indices of composite nodes.
    pub(super) args: Vec<u32>,
    /// Partials (or the values they are computed from) of composite nodes.
    pub(super) partials: Vec<T>,
    pub(super) matrices: Vec<StoredMatrix>,
    pub(super) matrix_entries: Vec<T::Real>,
    /// Operators used by composite nodes (shared, not copied).
    pub(super) operators: Vec<Arc<dyn LinearOperator>>,
    /// Values of constant operands of composite nodes.
    pub(super) consts: Vec<T>,
    /// Element-wise maps of diagonal nodes, kept for replays.
    pub(super) maps: Vec<Box<dyn ReplayMap<T>>>,
    /// Rules of custom-VJP nodes (shared, not copied).
    pub(super) pullbacks: Vec<Arc<dyn Pullback<T>>>,
    /// Node values computed by the last replay (empty before one).
    pub(super) values: Vec<T>,
    /// Composite outputs recorded so far. Scalar nodes and composite outputs share one
    /// numbering, so the next index is `nodes.len() + outputs` (computed, not stored: one store
    /// less per recorded operation).
    pub(super) outputs: usize,
    /// The nodes `1 ..= leading_inputs` are inputs (the sweep stops before them: an input has
    /// no operand).
    pub(super) leading_inputs: usize,
    pub(super) adjoints: Vec<T>,
}

/// Converts a length to a `u32` index.
///
/// # Panics
/// If the tape holds more than 2³² − 1 nodes (a resource limit, like `Vec`'s capacity overflow).
#[inline(always)]
pub(super) fn to_index(n: usize) -> u32 {
    match u32::try_from(n) {
        Ok(i) => i,
        Err(_) => too_many_nodes(),
    }
}

/// The panic of [`to_index`], out of line so that the recording fast path stays small.
#[cold]
#[inline(never)]
fn too_many_nodes() -> ! {
    panic!("hypergrad tape: more than 2^32 - 1 nodes recorded")
}

impl<T: Scalar> Records<T> {
    /// The next node index (one past the last recorded node).
    #[inline(always)]
    pub(super) fn next(&self) -> usize {
        self.nodes.len() + self.outputs
    }

    /// Appends a scalar node computed by `op`; returns its index.
    #[inline(always)]
    pub(super) fn push(&mut self, op: Op, node: Node<T>) -> u32 {
        let index = to_index(self.next());
        self.nodes.push(node);
        self.ops.push(op);
        index
    }

    /// Appends a scalar node without an operation code; returns its index. Only for a tape
    /// that is never replayed (`ops` is read by replays only, and is then shorter than `nodes`).
    #[inline(always)]
    pub(super) fn push_linear(&mut self, node: Node<T>) -> u32 {
        let index = to_index(self.next());
        self.nodes.push(node);
        index
    }

    /// Appends an input node of value `value` ([`Records::push_inputs`] of one value); returns
    /// its index.
    #[inline(always)]
    pub(super) fn push_input(&mut self, value: T) -> u32 {
        self.push_inputs(std::slice::from_ref(&value), true)
    }

    /// Appends one input node per value (kept in its unused partial slot for replays); returns
    /// the first index. On a tape that preaccumulates (`records: false`) the inputs are a block of indices
    /// without node records.
    pub(super) fn push_inputs(&mut self, values: &[T], records: bool) -> u32 {
        if !records {
            return self.push_special(values.len(), self.consts.len(), Composite::Inputs);
        }
        let first = self.next();
        to_index(first + values.len());
        if first == self.leading_inputs + 1 {
            self.leading_inputs += values.len();
        }
        self.nodes.extend(values.iter().map(|&v| Node::input(v)));
        self.ops.resize(self.ops.len() + values.len(), Op::INPUT);
        to_index(first)
    }

    /// A node whose derivative is that of the variable `v` of this tape, as an operand: its
    /// own node, or the node it is a multiple of with weight 1 (`x + 3` is `x` to first order);
    /// another multiple (see [`Tape::clear_preaccumulating`]) is recorded as a node first.
    #[inline]
    pub(super) fn node_of(&mut self, v: &Var<'_, T>) -> u32 {
        match v.node() {
            Some(i) => i,
            None if v.weight == T::one() => v.index,
            None => self.push_linear(Node {
                partials: [v.weight, T::zero()],
                args: [v.index, SINK],
            }),
        }
    }

    /// Appends a composite node with `outputs` outputs whose constant operands were pushed
    /// from `consts_at` on; returns the index of the first output.
    pub(super) fn push_special(
        &mut self,
        outputs: usize,
        consts_at: usize,
        kind: Composite,
    ) -> u32 {
        let first = to_index(self.next());
        self.outputs += outputs;
        to_index(self.next());
        self.specials.push(Special {
            first,
            outputs: to_index(outputs),
            node_pos: self.nodes.len(),
            consts_at,
            kind,
        });
        first
    }

    /// The position in `nodes` of scalar node `index`; `None` for a composite output or an
    /// index past the end.
    pub(super) fn position(&self, index: usize) -> Option<usize> {
        if index >= self.next() {
            return None;
        }
        let k = self.specials.partition_point(|s| s.first as usize <= index);
        match k.checked_sub(1).map(|k| &self.specials[k]) {
            Some(s) if index < (s.first + s.outputs) as usize => None,
            Some(s) => Some(s.node_pos + index - (s.first + s.outputs) as usize),
            None => Some(index),
        }
    }

    /// Lists `v` as an operand of the composite node being recorded on `tape`: its node, or the
    /// sink for a constant (whose value goes to `consts`).
    ///
    /// # Panics
    /// If `v` belongs to another tape (a programming error, as for binary operations).
    #[inline]
    pub(super) fn push_operand(&mut self, tape: &Tape<T>, v: &Var<'_, T>) {
        match v.tape {
            Some(t) => {
                super::var::same_tape(t, tape);
                let index = self.node_of(v);
                self.args.push(index);
            }
            None => {
                self.args.push(SINK);
                self.consts.push(v.value);
            }
        }
    }
}
