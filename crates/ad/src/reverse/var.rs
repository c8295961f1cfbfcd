//! [`Var<'t, T>`]: a value recorded on a [`Tape`], implementing [`Scalar`].
//!
//! Its arithmetic and elementary functions come from the same `forward_number!` macro as the
//! forward numbers, through the [`Forward`] chain-rule primitives: where a dual number multiplies
//! its tangent by the local partial, a `Var` records that partial on the tape. So every rule and
//! every choice at a kink is written once for both modes.

use super::tape::{Tape, SINK};
use super::vector;
use crate::custom::{CustomRule, CustomVjp};
use crate::elementwise::Elementwise;
use crate::forward::{forward_number, Forward};
use crate::op::Op;
use crate::operator::LinearOperator;
use crate::Scalar;
use std::fmt;
use std::sync::Arc;

/// A value on a [`Tape`] (or a constant, which needs no tape).
///
/// The lifetime `'t` ties the variable to its tape: it cannot outlive it, and the tape cannot be
/// cleared while it lives. Constants (`Var::constant`, `Float::zero()`, `Scalar::from_f64`, …)
/// carry no tape and record nothing; an operation takes the tape from whichever operand has one.
///
/// Comparisons (`==`, `<`) look at values only; `Zero::is_zero` is true only for a constant
/// zero (a recorded variable carries a derivative, like a dual number with a nonzero tangent).
///
/// An operation on variables of two different tapes is a programming error and panics with a
/// clear message (checked by pointer comparison); the sweep functions return
/// [`AdError::ForeignVar`](crate::AdError::ForeignVar) instead.
///
/// ```
/// use hypergrad_ad::{Scalar, Tape};
/// use num_traits::Float;
///
/// fn f<S: Scalar>(x: S) -> S {
///     x.sin() * S::from_f64(2.0) + S::one()
/// }
/// let tape = Tape::new();
/// let x = tape.var(0.5_f64);
/// let y = f(x);
/// tape.reverse(&[(y, 1.0)]).unwrap();
/// assert_eq!(tape.adjoint(x), 2.0 * 0.5_f64.cos());
/// ```
#[derive(Clone, Copy)]
pub struct Var<'t, T: Scalar> {
    pub(super) value: T,
    /// The node this variable is or, on a tape that preaccumulates (inside a gradient driver:
    /// see [`Tape`]), the node `v` such that this variable's derivative is `weight · ∂v`.
    pub(super) index: u32,
    /// `1` for a variable that is its node.
    pub(super) weight: T,
    /// Whether this variable is the node `index` itself (recorded as such), not a multiple of
    /// it: only then has it an adjoint of its own (`x + 3` has weight 1 on `x` and none).
    pub(super) is_node: bool,
    /// Whether `tape` preaccumulates, kept beside it (in the struct's padding) so that an
    /// operation does not load it from the tape.
    preaccumulates: bool,
    pub(super) tape: Option<&'t Tape<T>>,
}

impl<'t, T: Scalar> Var<'t, T> {
    /// A constant: no tape, no node, adjoint always zero.
    #[inline(always)]
    pub fn constant(value: T) -> Self {
        Self {
            value,
            index: SINK,
            weight: T::one(),
            is_node: false,
            preaccumulates: false,
            tape: None,
        }
    }

    /// A variable on `tape` at node `index`.
    #[inline(always)]
    pub(super) fn on_tape(value: T, index: u32, tape: &'t Tape<T>) -> Self {
        Self::node_on(value, index, tape, tape.preaccumulates())
    }

    /// [`Var::on_tape`] given whether `tape` preaccumulates.
    #[inline(always)]
    pub(super) fn node_on(value: T, index: u32, tape: &'t Tape<T>, preaccumulates: bool) -> Self {
        Self {
            value,
            index,
            weight: T::one(),
            is_node: true,
            preaccumulates,
            tape: Some(tape),
        }
    }

    /// `weight · v[index]` to first order, on a tape that preaccumulates.
    #[inline(always)]
    fn scaled(value: T, index: u32, weight: T, tape: &'t Tape<T>) -> Self {
        Self {
            value,
            index,
            weight,
            is_node: false,
            preaccumulates: true,
            tape: Some(tape),
        }
    }

    /// The node this variable is, if it is one (not a constant, not a multiple of a node).
    #[inline(always)]
    pub(super) fn node(&self) -> Option<u32> {
        self.is_node.then_some(self.index)
    }

    /// `f` with derivative `d·∂self` on the preaccumulating tape `t`: no node.
    #[inline(always)]
    fn times(&self, t: &'t Tape<T>, f: T, d: T) -> Self {
        Self::scaled(f, self.index, self.weight * d, t)
    }

    /// `f` with derivative `da·∂a + db·∂b` on the preaccumulating tape `t`: one node (two
    /// operands, the weights folded into its partials), or none when `a` and `b` are the same
    /// node (`x·x`, `x − 2x`).
    #[inline(always)]
    fn combine(t: &'t Tape<T>, f: T, a: &Self, da: T, b: &Self, db: T) -> Self {
        let (wa, wb) = (a.weight * da, b.weight * db);
        if a.index == b.index {
            return Self::scaled(f, a.index, wa + wb, t);
        }
        Self::node_on(f, t.push_linear([a.index, b.index], [wa, wb]), t, true)
    }

    /// The value (for `Var<Dual<f64>>`, the whole dual number; [`Scalar::value`] gives the
    /// underlying float).
    #[inline(always)]
    pub fn primal(&self) -> T {
        self.value
    }

    /// The node index on the tape; `None` for a constant, and for a pending combination (a
    /// variable inside a gradient driver, whose tape preaccumulates: see [`Tape`]).
    #[inline]
    pub fn index(&self) -> Option<usize> {
        self.node().map(|i| i as usize)
    }

    /// The tape, `None` for a constant.
    #[inline]
    pub fn tape(&self) -> Option<&'t Tape<T>> {
        self.tape
    }
}

/// The tape shared by two operands.
///
/// # Panics
/// If they are on two different tapes: a programming error, not bad data.
#[inline(always)]
pub(super) fn same_tape<'t, T: Scalar>(a: &'t Tape<T>, b: &'t Tape<T>) -> &'t Tape<T> {
    if !std::ptr::eq(a, b) {
        mixed_tapes();
    }
    a
}

/// The panic of [`same_tape`], out of line so that the recording fast path stays small.
#[cold]
#[inline(never)]
fn mixed_tapes() -> ! {
    panic!("hypergrad: an operation mixes variables of two different tapes")
}

impl<'t, T: Scalar> Forward for Var<'t, T> {
    type T = T;
    #[inline(always)]
    fn re(&self) -> T {
        self.value
    }
    #[inline(always)]
    fn chain(&self, op: Op, c: T, f: T, df: T) -> Self {
        match self.tape {
            Some(t) if self.preaccumulates => self.times(t, f, df),
            Some(t) => Self::node_on(f, t.push_unary(op, self.index, df, c), t, false),
            None => Self::constant(f),
        }
    }
    #[inline(always)]
    fn chain2(&self, other: &Self, op: Op, f: T, dfx: T, dfy: T) -> Self {
        match (self.tape, other.tape) {
            (Some(t), None) if self.preaccumulates => self.times(t, f, dfx),
            (None, Some(t)) if other.preaccumulates => other.times(t, f, dfy),
            (Some(a), Some(b)) if self.preaccumulates => {
                Self::combine(same_tape(a, b), f, self, dfx, other, dfy)
            }
            (Some(a), Some(b)) => {
                let t = same_tape(a, b);
                if op == Op::MUL && self.index == other.index {
                    // `x·x`: one operand with partial `x + x` (= dfx + dfy), one update in
                    // the sweep instead of two (3 of Rosenbrock's 8 operations a term).
                    let d = dfx + dfy;
                    let i = t.push_unary(Op::SQUARE, self.index, d, T::zero());
                    return Self::node_on(f, i, t, false);
                }
                Self::node_on(
                    f,
                    t.push_binary(op, self.index, dfx, other.index, dfy),
                    t,
                    false,
                )
            }
            (Some(t), None) => {
                let i = t.push_unary(op.const_right(), self.index, dfx, other.value);
                Self::node_on(f, i, t, false)
            }
            (None, Some(t)) => {
                let i = t.push_unary(op.const_left(), other.index, dfy, self.value);
                Self::node_on(f, i, t, false)
            }
            (None, None) => Self::constant(f),
        }
    }
    /// A recorded choice (`max`, `min`) is a node with partials 1 and 0, so that a replay can
    /// choose again.
    #[inline(always)]
    fn select(&self, other: &Self, pick_other: bool, op: Op) -> Self {
        let (one, zero) = (T::one(), T::zero());
        let (f, dx, dy) = if pick_other {
            (other.value, zero, one)
        } else {
            (self.value, one, zero)
        };
        self.chain2(other, op, f, dx, dy)
    }
    #[inline(always)]
    fn observe(&self) {
        if let Some(t) = self.tape {
            t.block_replay("a recorded value was read to decide something (comparison or value())");
        }
    }
    #[inline(always)]
    fn tangent_is_zero(&self) -> bool {
        self.tape.is_none()
    }
    #[inline(always)]
    fn scale_parts(&self, c: T::Real) -> Self {
        let k = T::from_real(c);
        self.chain(Op::SCALE, k, self.value.scale(c), k)
    }
    #[inline(always)]
    fn add_parts(&self, o: &Self) -> Self {
        let one = T::one();
        self.chain2(o, Op::ADD, self.value + o.value, one, one)
    }
    #[inline(always)]
    fn sub_parts(&self, o: &Self) -> Self {
        let one = T::one();
        self.chain2(o, Op::SUB, self.value - o.value, one, -one)
    }
    #[inline(always)]
    fn neg_parts(&self) -> Self {
        self.chain(Op::NEG, T::zero(), -self.value, -T::one())
    }
    #[inline(always)]
    fn shift(&self, c: f64) -> Self {
        self.chain(Op::SHIFT, T::from_f64(c), self.value + c, T::one())
    }
    #[inline(always)]
    fn div_real(&self, c: f64) -> Self {
        self.chain(Op::DIV_REAL, T::from_f64(c), self.value / c, T::one() / c)
    }
}

impl<T: Scalar> fmt::Display for Var<'_, T> {
    /// The value, followed by the node, e.g. `6 [v4]`; a constant shows its value only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.index() {
            Some(i) => write!(f, "{} [v{i}]", self.value),
            None => write!(f, "{}", self.value),
        }
    }
}

impl<T: Scalar> fmt::Debug for Var<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Var")
            .field("value", &self.value)
            .field("index", &self.index())
            .finish()
    }
}

forward_number!(['t, T: Scalar] Var<'t, T>; {
    #[inline(always)]
    fn parts() -> usize {
        T::parts()
    }
    #[inline(always)]
    fn part(&self, k: usize) -> f64 {
        self.value.part(k)
    }
    #[inline(always)]
    fn set_part(&mut self, k: usize, v: f64) {
        self.value.set_part(k, v)
    }
    fn dot(a: &[Self], b: &[Self]) -> Self {
        vector::dot(a, b)
    }
    fn dot_const(a: &[Self], w: &[f64]) -> Self {
        vector::dot_const(a, w)
    }
    fn axpy(alpha: Self, x: &[Self], y: &mut [Self]) {
        vector::axpy(alpha, x, y)
    }
    fn sum_slice(x: &[Self]) -> Self {
        vector::sum(x)
    }
    fn norm_sq(x: &[Self]) -> Self {
        vector::norm_sq(x)
    }
    fn matvec<A: LinearOperator + 'static>(a: &Arc<A>, x: &[Self], y: &mut [Self]) {
        vector::apply(a, false, x, y)
    }
    fn rmatvec<A: LinearOperator + 'static>(a: &Arc<A>, y: &[Self], x: &mut [Self]) {
        vector::apply(a, true, y, x)
    }
    fn map_slice<F: Elementwise>(f: &F, x: &[Self], p: &[Self], out: &mut [Self]) {
        vector::map(f, x, None, p, out)
    }
    fn map_zip<F: Elementwise>(f: &F, x: &[Self], w: &[Self], p: &[Self], out: &mut [Self]) {
        vector::map(f, x, Some(w), p, out)
    }
    fn custom<R: CustomRule + ?Sized>(rule: &R, x: &[Self], y: &mut [Self]) {
        vector::custom(rule, x, y)
    }
    fn custom_vjp<R: CustomVjp>(rule: &Arc<R>, x: &[Self], y: &mut [Self]) {
        vector::custom_vjp(rule, x, y)
    }
});
