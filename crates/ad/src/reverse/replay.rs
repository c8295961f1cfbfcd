//! Replay: evaluate a recorded program again for new input values, without running the user's
//! code, then sweep as usual.
//!
//! Every scalar node keeps its operation code ([`Op`]) and the constants it needs, every
//! composite node its kind, operands and constants; [`Tape::replay`] walks the nodes in order,
//! computes each value and writes the node's local partials again. The derivative rules are the
//! forward macro's, run on a `Dual` (one operand) or a `DualVec<T, 2>` (two), so a replay gives
//! the partials a fresh recording would (bit for bit wherever they are finite). Additions,
//! subtractions, products and the plain-constant operations are evaluated inline.
//!
//! A recording is replayable when its control flow does not depend on the inputs: any read of a
//! recorded value to decide something (a comparison, `value()`, `is_nan()`) or a custom node with
//! given partials marks the tape, and `replay` then returns [`AdError::NotReplayable`]. The
//! non-smooth primitives are replayable when called through the vector operations
//! ([`Scalar::map_slice`](crate::Scalar::map_slice): soft-thresholding, clipping), whose map is
//! kept and evaluated again with its kink rule, and `max`, `min`, `abs` are nodes of their own.

use super::tape::{Composite, Node, Records, Special, Tape, WideKind, SINK};
use super::Var;
use crate::elementwise::{Elementwise, MAX_PARAMS};
use crate::error::{check_len, AdError};
use crate::kernels::{apply_by_parts, lanes_sum};
use crate::op::{Layout, Op};
use crate::{Dual, DualVec, Scalar};
use num_traits::Float;

/// An element-wise map kept by a tape: `f(x; p)` with `x` in lane 0 and `p` in lanes 1, 2.
pub(super) trait ReplayMap<T: Scalar>: Send + Sync {
    /// `f` at `(x, p)` with its partials in the lanes.
    fn eval(&self, x: T, p: &[DualVec<T, 3>]) -> DualVec<T, 3>;
}

impl<T: Scalar, F: Elementwise> ReplayMap<T> for F {
    fn eval(&self, x: T, p: &[DualVec<T, 3>]) -> DualVec<T, 3> {
        Elementwise::eval(self, DualVec::variable(x, 0), p)
    }
}

/// The error for an operation a replay cannot evaluate.
fn opaque() -> AdError {
    AdError::NotReplayable {
        reason: "a fused multiply-add or custom node",
    }
}

/// `f(x)` and `f'(x)` of a unary operation with parameter `c`.
#[inline]
fn unary<T: Scalar>(op: Op, x: T, c: T) -> Result<(T, T), AdError> {
    let d = Dual::variable(x);
    let y = match op {
        Op::NEG => return Ok((-x, -T::one())),
        Op::SHIFT => return Ok((x + c.to_f64_value(), T::one())),
        Op::SCALE => return Ok((x.scale(c.value()), c)),
        Op::DIV_REAL => d / c.to_f64_value(),
        Op::RECIP => d.recip(),
        Op::SQRT => d.sqrt(),
        Op::CBRT => d.cbrt(),
        Op::EXP => d.exp(),
        Op::EXP2 => d.exp2(),
        Op::EXP_M1 => d.exp_m1(),
        Op::LN => d.ln(),
        Op::LN_1P => d.ln_1p(),
        Op::LOG2 => d.log2(),
        Op::LOG10 => d.log10(),
        Op::SIN => d.sin(),
        Op::COS => d.cos(),
        Op::TAN => d.tan(),
        Op::ASIN => d.asin(),
        Op::ACOS => d.acos(),
        Op::ATAN => d.atan(),
        Op::SINH => d.sinh(),
        Op::COSH => d.cosh(),
        Op::TANH => d.tanh(),
        Op::ASINH => d.asinh(),
        Op::ACOSH => d.acosh(),
        Op::ATANH => d.atanh(),
        Op::ABS => d.abs(),
        Op::FRACT => d.fract(),
        Op::TO_DEGREES => d.to_degrees(),
        Op::TO_RADIANS => d.to_radians(),
        Op::POWI => d.powi(c.to_f64_value() as i32),
        Op::FLOOR => d.floor(),
        Op::CEIL => d.ceil(),
        Op::ROUND => d.round(),
        Op::TRUNC => d.trunc(),
        Op::SIGNUM => d.signum(),
        Op::SQUARE => return Ok((x * x, x + x)),
        _ => return Err(opaque()),
    };
    Ok((y.re, y.eps))
}

/// `f(x, y)` of a binary function on two numbers of the forward type `D`.
#[inline]
fn apply2<D: Float>(op: Op, x: D, y: D) -> Result<D, AdError> {
    Ok(match op {
        Op::ADD => x + y,
        Op::SUB => x - y,
        Op::MUL => x * y,
        Op::DIV => x / y,
        Op::REM => x % y,
        Op::POWF => x.powf(y),
        Op::ATAN2 => x.atan2(y),
        Op::HYPOT => x.hypot(y),
        Op::MAX => x.max(y),
        Op::MIN => x.min(y),
        _ => return Err(opaque()),
    })
}

/// `f(x, y)` and both partials of a binary operation on two variables.
#[inline]
fn binary<T: Scalar>(op: Op, x: T, y: T) -> Result<(T, T, T), AdError> {
    let one = T::one();
    match op {
        Op::ADD => Ok((x + y, one, one)),
        Op::SUB => Ok((x - y, one, -one)),
        Op::MUL => Ok((x * y, y, x)),
        _ => {
            let z = apply2(op, DualVec::<T, 2>::variable(x, 0), DualVec::variable(y, 1))?;
            Ok((z.re, z.eps[0], z.eps[1]))
        }
    }
}

/// `f(c, y)` (`left`) or `f(x, c)` and the partial in the variable.
#[inline]
fn with_constant<T: Scalar>(op: Op, v: T, c: T, left: bool) -> Result<(T, T), AdError> {
    let one = T::one();
    match op {
        Op::ADD => return Ok((if left { c + v } else { v + c }, one)),
        Op::SUB if left => return Ok((c - v, -one)),
        Op::SUB => return Ok((v - c, one)),
        Op::MUL => return Ok((if left { c * v } else { v * c }, c)),
        _ => {}
    }
    let (d, k) = (Dual::variable(v), Dual::constant(c));
    let z = if left {
        apply2(op, k, d)?
    } else {
        apply2(op, d, k)?
    };
    Ok((z.re, z.eps))
}

/// Evaluates the scalar nodes `nodes` (numbered from `base`) into `values` and rewrites their
/// partials. Linear operations keep their recorded (constant) partials and only compute the
/// value; that fast path covers most nodes of arithmetic code.
fn scalar_nodes<T: Scalar>(
    nodes: &mut [Node<T>],
    ops: &[Op],
    values: &mut [T],
    base: usize,
) -> Result<(), AdError> {
    const ADD_L: Op = Op::ADD.const_left();
    const ADD_R: Op = Op::ADD.const_right();
    const SUB_L: Op = Op::SUB.const_left();
    const SUB_R: Op = Op::SUB.const_right();
    const MUL_L: Op = Op::MUL.const_left();
    const MUL_R: Op = Op::MUL.const_right();
    for (k, (node, &op)) in nodes.iter_mut().zip(ops).enumerate() {
        let [a, b] = node.args.map(|i| i as usize);
        let c = node.partials[1];
        let value = match op {
            Op::INPUT => node.partials[0],
            Op::ADD => values[a] + values[b],
            Op::SUB => values[a] - values[b],
            Op::MUL => {
                let (x, y) = (values[a], values[b]);
                node.partials = [y, x];
                x * y
            }
            Op::SQUARE => {
                let x = values[a];
                node.partials[0] = x + x;
                x * x
            }
            Op::NEG => -values[a],
            Op::SHIFT => values[a] + c.to_f64_value(),
            Op::SCALE => values[a].scale(c.value()),
            ADD_R => values[a] + c,
            ADD_L => c + values[a],
            SUB_R => values[a] - c,
            SUB_L => c - values[a],
            MUL_R => values[a] * c,
            MUL_L => c * values[a],
            _ => general(node, op, values)?,
        };
        values[base + k] = value;
    }
    Ok(())
}

/// A node outside the fast path: its value, and its partials rewritten.
#[inline(never)]
fn general<T: Scalar>(node: &mut Node<T>, op: Op, values: &[T]) -> Result<T, AdError> {
    let [a, b] = node.args.map(|i| i as usize);
    Ok(match op.layout() {
        Layout::Unary => {
            let (f, d) = unary(op, values[a], node.partials[1])?;
            node.partials[0] = d;
            f
        }
        Layout::Both => {
            let (f, dx, dy) = binary(op, values[a], values[b])?;
            node.partials = [dx, dy];
            f
        }
        layout => {
            let left = layout == Layout::ConstLeft;
            let (f, d) = with_constant(op.function(), values[a], node.partials[1], left)?;
            node.partials[0] = d;
            f
        }
    })
}

impl<T: Scalar> Tape<T> {
    /// Evaluates the recorded program again with `values` for `inputs` (other inputs keep their
    /// last values): every node's value and local partials are recomputed, so a following
    /// [`Tape::reverse`] gives the derivatives at the new point, and [`Tape::value`] the values.
    ///
    /// ```
    /// use hypergrad_ad::{Float, Tape};
    ///
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(1.0);
    /// let y = (x * x).sin(); // recorded once at x = 1
    /// tape.replay(&[x], &[2.0]).unwrap();
    /// assert_eq!(tape.value(y), 4.0_f64.sin());
    /// tape.reverse(&[(y, 1.0)]).unwrap();
    /// assert_eq!(tape.adjoint(x), 4.0 * 4.0_f64.cos());
    /// ```
    ///
    /// # Errors
    /// [`AdError::NotReplayable`] if the recording branched on a recorded value or holds custom
    /// partials; [`AdError::LengthMismatch`] if `values` and `inputs` differ in length;
    /// [`AdError::ForeignVar`] if an input is of another tape; [`AdError::InvalidInput`] if an
    /// input is not an input node.
    pub fn replay(&self, inputs: &[Var<'_, T>], values: &[T]) -> Result<(), AdError> {
        check_len("replay values", inputs.len(), values.len())?;
        let mut indices = Vec::with_capacity(inputs.len());
        for v in inputs {
            match self.own_index(v) {
                Ok(Some(i)) => indices.push(i),
                Ok(None) | Err(AdError::NoNode) => return Err(AdError::InvalidInput),
                Err(e) => return Err(e),
            }
        }
        self.replay_indices(&indices, values)
    }

    /// The value of `v` after the last [`Tape::replay`] (its recorded value before any).
    pub fn value(&self, v: Var<'_, T>) -> T {
        let r = self.rec.borrow();
        match self.own_index(&v) {
            Ok(Some(i)) => r.values.get(i as usize).copied().unwrap_or(v.value),
            _ => v.value,
        }
    }

    /// [`Tape::replay`] with the inputs given by node index.
    pub(super) fn replay_indices(&self, inputs: &[u32], x: &[T]) -> Result<(), AdError> {
        if let Some(reason) = self.blocker.get() {
            return Err(AdError::NotReplayable { reason });
        }
        let mut r = self.rec.borrow_mut();
        let r = &mut *r;
        for (&i, &v) in inputs.iter().zip(x) {
            let pos = r.position(i as usize).ok_or(AdError::InvalidInput)?;
            if r.ops[pos] != Op::INPUT {
                return Err(AdError::InvalidInput);
            }
            r.nodes[pos].partials[0] = v;
        }
        // Every node's value is written below (the sink's stays zero), so the values of the
        // last replay need no clearing (≈ 2 % of a Rosenbrock replay and sweep): only the first
        // replay after a recording sizes the array.
        r.values.resize(r.next(), T::zero());
        let (mut lo, mut base) = (1, 1);
        for k in 0..r.specials.len() {
            let s = r.specials[k];
            let hi = s.node_pos;
            scalar_nodes(&mut r.nodes[lo..hi], &r.ops[lo..hi], &mut r.values, base)?;
            composite(r, &s)?;
            lo = hi;
            base = (s.first + s.outputs) as usize;
        }
        let hi = r.nodes.len();
        scalar_nodes(&mut r.nodes[lo..hi], &r.ops[lo..hi], &mut r.values, base)
    }
}

/// The values of the `len` operands of composite `s`, listed in `args` from `at` (its first
/// operand), constants taken from the kept values.
fn operands<T: Scalar>(r: &Records<T>, s: &Special, at: usize, len: usize) -> Vec<T> {
    let mut consts = r.consts[s.consts_at..].iter();
    r.args[at..at + len]
        .iter()
        .map(|&j| {
            if j == SINK {
                *consts.next().expect("one kept value per constant operand")
            } else {
                r.values[j as usize]
            }
        })
        .collect()
}

/// Evaluates composite node `s`: its outputs into `values`, its partials again.
fn composite<T: Scalar>(r: &mut Records<T>, s: &Special) -> Result<(), AdError> {
    let first = s.first as usize;
    let n = s.outputs as usize;
    match s.kind {
        // Only a preaccumulating tape has them, and it is never replayed.
        Composite::Inputs => {
            return Err(AdError::NotReplayable {
                reason: super::tape::PREACCUMULATED,
            })
        }
        Composite::Wide {
            args_at,
            partials_at,
            len,
            kind,
        } => {
            let v = operands(r, s, args_at, len);
            let p = &mut r.partials[partials_at..partials_at + len];
            r.values[first] = match kind {
                WideKind::Opaque => return Err(opaque()),
                WideKind::Sum => lanes_sum(len, |i| v[i]),
                WideKind::Weighted => lanes_sum(len, |i| v[i] * p[i].to_f64_value()),
                WideKind::NormSq => {
                    p.iter_mut().zip(&v).for_each(|(d, &x)| *d = x + x);
                    lanes_sum(len, |i| v[i] * v[i])
                }
                WideKind::Dot => {
                    for (d, pair) in p.chunks_exact_mut(2).zip(v.chunks_exact(2)) {
                        d[0] = pair[1];
                        d[1] = pair[0];
                    }
                    lanes_sum(len / 2, |i| v[2 * i] * v[2 * i + 1])
                }
            };
        }
        Composite::Matrix {
            matrix,
            transpose,
            args_at,
        } => {
            let m = &r.matrices[matrix];
            let (rows, cols, at) = (m.rows, m.cols, m.at);
            let inner = if transpose { rows } else { cols };
            let x = operands(r, s, args_at, inner);
            let entries = &r.matrix_entries[at..at + rows * cols];
            for i in 0..n {
                r.values[first + i] = x.iter().enumerate().fold(T::zero(), |acc, (k, xk)| {
                    let aik = if transpose {
                        entries[k * cols + i]
                    } else {
                        entries[i * cols + k]
                    };
                    acc + xk.scale(aik)
                });
            }
        }
        Composite::Operator {
            operator,
            transpose,
            args_at,
        } => {
            let op = r.operators[operator].clone();
            let inner = if transpose { op.nrows() } else { op.ncols() };
            let x = operands(r, s, args_at, inner);
            apply_by_parts(&*op, transpose, &x, &mut r.values[first..first + n]);
        }
        Composite::Axpy {
            args_at,
            partials_at,
        } => {
            let v = operands(r, s, args_at, 1 + 2 * n);
            let (alpha, x, y) = (v[0], &v[1..1 + n], &v[1 + n..]);
            for i in 0..n {
                r.values[first + i] = y[i] + alpha * x[i];
            }
            r.partials[partials_at] = alpha;
            r.partials[partials_at + 1..partials_at + 1 + n].copy_from_slice(x);
        }
        Composite::Diagonal {
            args_at,
            partials_at,
            zipped,
            params,
            map,
        } => {
            let z = usize::from(zipped);
            let v = operands(r, s, args_at, (1 + z) * n + params);
            let mut p = [DualVec::<T, 3>::constant(T::zero()); MAX_PARAMS];
            for (k, &pk) in v[(1 + z) * n..].iter().enumerate() {
                p[z + k] = DualVec::variable(pk, 1 + z + k);
            }
            let width = 1 + z + params;
            for (i, &xi) in v[..n].iter().enumerate() {
                if zipped {
                    p[0] = DualVec::variable(v[n + i], 1);
                }
                let d = r.maps[map].eval(xi, &p[..z + params]);
                r.values[first + i] = d.re;
                let row = partials_at + i * width;
                r.partials[row..row + width].copy_from_slice(&d.eps[..width]);
            }
        }
        Composite::Pullback {
            rule,
            args_at,
            values_at,
            inputs,
        } => {
            let x = operands(r, s, args_at, inputs);
            let y = &mut r.values[first..first + n];
            // The rule's `eval` gets a zeroed output, as when it was recorded.
            y.fill(T::zero());
            r.pullbacks[rule].eval(&x, y);
            r.partials[values_at..values_at + inputs].copy_from_slice(&x);
            r.partials[values_at + inputs..values_at + inputs + n].copy_from_slice(y);
        }
    }
    Ok(())
}
