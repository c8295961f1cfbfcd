//! The adjoint sweep over a recorded tape.

use super::records::Pullback;
use super::tape::{Composite, Node, Records, Special, StoredMatrix, SINK};
use crate::kernels::apply_by_parts;
use crate::operator::LinearOperator;
use crate::Scalar;
use std::sync::Arc;

/// The side arrays of composite nodes, read-only during the sweep.
struct Side<'a, T: Scalar> {
    args: &'a [u32],
    partials: &'a [T],
    matrices: &'a [StoredMatrix],
    matrix_entries: &'a [T::Real],
    operators: &'a [Arc<dyn LinearOperator>],
    pullbacks: &'a [Arc<dyn Pullback<T>>],
}

/// Propagates adjoints over the whole tape: the scalar nodes between two composite nodes in one
/// tight loop, each composite node when reached.
pub(super) fn sweep<T: Scalar>(r: &mut Records<T>) {
    let Records {
        nodes,
        specials,
        args,
        partials,
        matrices,
        matrix_entries,
        operators,
        pullbacks,
        adjoints,
        leading_inputs,
        ..
    } = r;
    let side = Side {
        args,
        partials,
        matrices,
        matrix_entries,
        operators,
        pullbacks,
    };
    let mut hi = nodes.len();
    let mut scratch = (Vec::new(), Vec::new());
    for s in specials.iter().rev() {
        let base = (s.first + s.outputs) as usize;
        sweep_scalar(&nodes[s.node_pos..hi], adjoints, base);
        composite(&side, s, adjoints, &mut scratch);
        hi = s.node_pos;
    }
    let lo = 1 + (*leading_inputs).min(hi - 1);
    sweep_scalar(&nodes[lo..hi], adjoints, lo);
}

/// The scalar nodes `nodes`, numbered from `base`, last first. Both loops give the adjoints the
/// old branch-free loop gave (two multiply-adds a node, unused slots adding `0·v̄` to the sink),
/// bit for bit: the same additions in the same order; only the sink's differs, never read.
#[inline]
fn sweep_scalar<T: Scalar>(nodes: &[Node<T>], adjoints: &mut [T], base: usize) {
    if T::parts() == 1 {
        sweep_float(nodes, adjoints, base);
    } else {
        sweep_wide(nodes, adjoints, base);
    }
}

/// [`sweep_scalar`] for a plain float: a multiply-add per operand.
///
/// An unused slot (the second of a unary node, both of an input) is skipped instead of adding
/// `0·v̄` to the sink: the sink's adjoint would otherwise be one serial chain of load–add–store
/// through the whole sweep (store-to-load forwarding plus an addition a link), which on
/// Rosenbrock (4 unused slots per 9 nodes, 7 since `x·x` is unary) bounded the sweep more than
/// the real dependencies did.
///
/// A contribution to the node just before (`x = i − 1`, the common case: an expression's
/// operand was usually recorded last) is carried in a register to the next iteration instead of
/// going through memory, which takes a store-to-load forwarding off the dependency chain of the
/// sweep. The additions are made in the same order as through memory (`(v̄ + d₀) + d₁`), so the
/// adjoints are the same bit for bit. The branches follow the program's pattern (the same at
/// every sweep of a tape) and are predicted. Rosenbrock, n = 1000: 3.3 ns a node with the sink
/// and no carry, 2.5 without the sink, 1.8 with the carry.
///
/// A dual number is not carried in registers as cheaply: on `Tape<Dual<f64>>` (the Rosenbrock
/// HVP) the carry made the sweep slower (3.8 → 6.1 ns a node), so [`sweep_wide`] only skips
/// the unused slots (3.8 → 2.8 ns a node).
#[inline]
fn sweep_float<T: Scalar>(nodes: &[Node<T>], adjoints: &mut [T], base: usize) {
    let (mut c0, mut c1) = (None::<T>, None::<T>);
    for (node, i) in nodes.iter().rev().zip((base..base + nodes.len()).rev()) {
        let mut a = adjoints[i];
        if let Some(c) = c0 {
            a += c;
        }
        if let Some(c) = c1 {
            a += c;
        }
        adjoints[i] = a;
        let prev = (i - 1) as u32;
        let [x, y] = node.args;
        let (d0, d1) = (node.partials[0] * a, node.partials[1] * a);
        c0 = None;
        c1 = None;
        if x == prev {
            c0 = Some(d0);
        } else if x != SINK {
            adjoints[x as usize] += d0;
        }
        if y == prev {
            c1 = Some(d1);
        } else if y != SINK {
            adjoints[y as usize] += d1;
        }
    }
    let mut t = adjoints[base - 1];
    if let Some(c) = c0 {
        t += c;
    }
    if let Some(c) = c1 {
        t += c;
    }
    adjoints[base - 1] = t;
}

/// [`sweep_scalar`] for a number of several parts (a dual number): a multiply-add per used
/// operand slot, no carry (see [`sweep_float`]).
#[inline]
fn sweep_wide<T: Scalar>(nodes: &[Node<T>], adjoints: &mut [T], base: usize) {
    for (node, i) in nodes.iter().rev().zip((base..base + nodes.len()).rev()) {
        let a = adjoints[i];
        let [x, y] = node.args;
        if x != SINK {
            adjoints[x as usize] += node.partials[0] * a;
        }
        if y != SINK {
            adjoints[y as usize] += node.partials[1] * a;
        }
    }
}

/// One composite node: pushes its outputs' adjoints `ȳ` to its operands (constant operands
/// point to the sink, whose adjoint is never read).
fn composite<T: Scalar>(
    side: &Side<'_, T>,
    s: &Special,
    adjoints: &mut [T],
    scratch: &mut (Vec<T>, Vec<T>),
) {
    let first = s.first as usize;
    let n_out = s.outputs as usize;
    match s.kind {
        Composite::Inputs => {}
        Composite::Wide {
            args_at,
            partials_at,
            len,
            ..
        } => {
            let a = adjoints[first];
            let args = &side.args[args_at..args_at + len];
            for (&j, &d) in args
                .iter()
                .zip(&side.partials[partials_at..partials_at + len])
            {
                adjoints[j as usize] += d * a;
            }
        }
        Composite::Matrix {
            matrix,
            transpose,
            args_at,
        } => {
            let m = &side.matrices[matrix];
            let a = &side.matrix_entries[m.at..m.at + m.rows * m.cols];
            let xs = &side.args[args_at..];
            for (i, row) in a.chunks_exact(m.cols).enumerate() {
                if transpose {
                    // y = Aᵀx: x̄ᵢ += Σⱼ Aᵢⱼ ȳⱼ.
                    let ybar = &adjoints[first..first + m.cols];
                    let acc = row
                        .iter()
                        .zip(ybar)
                        .fold(T::zero(), |acc, (&aij, yj)| acc + yj.scale(aij));
                    adjoints[xs[i] as usize] += acc;
                } else {
                    // y = A x: x̄ⱼ += Aᵢⱼ ȳᵢ.
                    let yb = adjoints[first + i];
                    for (&aij, &xj) in row.iter().zip(xs) {
                        adjoints[xj as usize] += yb.scale(aij);
                    }
                }
            }
        }
        Composite::Operator {
            operator,
            transpose,
            args_at,
        } => {
            // y = A x: x̄ += Aᵀ ȳ (and y = Aᵀ x: x̄ += A ȳ), part by part.
            let op = &*side.operators[operator];
            let n_in = if transpose { op.nrows() } else { op.ncols() };
            let (ybar, xbar) = scratch;
            ybar.clear();
            ybar.extend_from_slice(&adjoints[first..first + n_out]);
            xbar.clear();
            xbar.resize(n_in, T::zero());
            apply_by_parts(op, !transpose, ybar, xbar);
            for (&j, &g) in side.args[args_at..args_at + n_in].iter().zip(xbar.iter()) {
                adjoints[j as usize] += g;
            }
        }
        Composite::Axpy {
            args_at,
            partials_at,
        } => {
            // zᵢ = α xᵢ + yᵢ: ᾱ += Σ xᵢ z̄ᵢ, x̄ᵢ += α z̄ᵢ, ȳᵢ += z̄ᵢ.
            let alpha = side.partials[partials_at];
            let xv = &side.partials[partials_at + 1..partials_at + 1 + n_out];
            let xs = &side.args[args_at + 1..args_at + 1 + n_out];
            let ys = &side.args[args_at + 1 + n_out..args_at + 1 + 2 * n_out];
            let mut alpha_bar = T::zero();
            for i in 0..n_out {
                let z = adjoints[first + i];
                alpha_bar += xv[i] * z;
                adjoints[xs[i] as usize] += alpha * z;
                adjoints[ys[i] as usize] += z;
            }
            adjoints[side.args[args_at] as usize] += alpha_bar;
        }
        Composite::Diagonal {
            args_at,
            partials_at,
            zipped,
            params,
            ..
        } => {
            // yᵢ = f(xᵢ; wᵢ, p): x̄ᵢ += ∂f/∂xᵢ ȳᵢ, w̄ᵢ += ∂f/∂wᵢ ȳᵢ, p̄ₖ += Σᵢ ∂f/∂pₖ ȳᵢ.
            let z = usize::from(zipped);
            let width = 1 + z + params;
            let rows = &side.partials[partials_at..partials_at + width * n_out];
            let xs = &side.args[args_at..args_at + n_out];
            let ws = &side.args[args_at + n_out..args_at + (1 + z) * n_out];
            let ps = &side.args[args_at + (1 + z) * n_out..][..params];
            let mut p_bar = [T::zero(); crate::elementwise::MAX_PARAMS];
            for (i, row) in rows.chunks_exact(width).enumerate() {
                let y = adjoints[first + i];
                adjoints[xs[i] as usize] += row[0] * y;
                if zipped {
                    adjoints[ws[i] as usize] += row[1] * y;
                }
                for (pb, &d) in p_bar.iter_mut().zip(&row[1 + z..]) {
                    *pb += d * y;
                }
            }
            for (&p, &pb) in ps.iter().zip(&p_bar) {
                adjoints[p as usize] += pb;
            }
        }
        Composite::Pullback {
            rule,
            args_at,
            values_at,
            inputs,
        } => {
            // y = g(x): x̄ += J(x)ᵀ ȳ by the rule's own VJP.
            let (ybar, xbar) = scratch;
            ybar.clear();
            ybar.extend_from_slice(&adjoints[first..first + n_out]);
            xbar.clear();
            xbar.resize(inputs, T::zero());
            let (x, y) = side.partials[values_at..].split_at(inputs);
            side.pullbacks[rule].vjp(x, &y[..n_out], ybar, xbar);
            for (&j, &g) in side.args[args_at..args_at + inputs].iter().zip(xbar.iter()) {
                adjoints[j as usize] += g;
            }
        }
    }
}
