//! The adjoint sweep over a recorded tape, and the listing of its nodes.

use super::tape::{Composite, Records, StoredMatrix, Tape, SINK};
use crate::Scalar;
use std::fmt;

/// The number of output nodes of a composite node.
fn outputs(kind: &Composite, matrices: &[StoredMatrix]) -> usize {
    match kind {
        Composite::Wide { .. } => 1,
        Composite::MatVec {
            matrix, transpose, ..
        } => {
            let m = &matrices[*matrix];
            if *transpose {
                m.cols
            } else {
                m.rows
            }
        }
    }
}

/// Propagates adjoints over the whole tape: scalar nodes between composite nodes in one tight
/// loop, each composite node (a wide node, or a block `y = A x` as `x̄ += Aᵀ ȳ`) when reached.
pub(super) fn sweep<T: Scalar>(r: &mut Records<T>) {
    let Records {
        nodes,
        specials,
        wide_partials,
        wide_args,
        block_args,
        matrices,
        matrix_entries,
        adjoints,
    } = r;
    let mut hi = nodes.len();
    for s in specials.iter().rev() {
        let first = s.first as usize;
        sweep_scalar(nodes, adjoints, first + outputs(&s.kind, matrices), hi);
        match &s.kind {
            Composite::Wide { start, end } => {
                let a = adjoints[first];
                for (&j, &d) in wide_args[*start..*end]
                    .iter()
                    .zip(&wide_partials[*start..*end])
                {
                    adjoints[j as usize] += d * a;
                }
            }
            Composite::MatVec {
                matrix,
                transpose,
                args_at,
            } => {
                let m = &matrices[*matrix];
                let a = &matrix_entries[m.at..m.at + m.rows * m.cols];
                let xs = &block_args[*args_at..];
                for (i, row) in a.chunks_exact(m.cols).enumerate() {
                    if *transpose {
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
        }
        hi = first;
    }
    sweep_scalar(nodes, adjoints, 1, hi);
}

/// The scalar part of the sweep over nodes `lo .. hi`, last first: two multiply-adds per node
/// (an unused slot adds `0·v̄` to the sink).
#[inline]
fn sweep_scalar<T: Scalar>(
    nodes: &[super::tape::Node<T>],
    adjoints: &mut [T],
    lo: usize,
    hi: usize,
) {
    for (i, node) in nodes[lo..hi].iter().enumerate().rev() {
        let a = adjoints[lo + i];
        adjoints[node.args[0] as usize] += node.partials[0] * a;
        adjoints[node.args[1] as usize] += node.partials[1] * a;
    }
}

impl<T: Scalar> Tape<T> {
    /// The operands of node `i` as `(operand index, ∂node/∂operand)`, composite nodes included
    /// (a matrix–vector output lists one entry per matrix column); empty for an input. For
    /// listings and teaching (values are kept in the [`Var`](super::Var)s, not on the tape).
    pub fn node(&self, i: usize) -> Option<Vec<(usize, T)>> {
        let r = self.rec.borrow();
        if i == 0 {
            return None;
        }
        let node = r.nodes.get(i)?;
        let mut ops: Vec<(usize, T)> = node
            .args
            .iter()
            .zip(node.partials)
            .filter(|(&j, _)| j != SINK)
            .map(|(&j, d)| (j as usize, d))
            .collect();
        let k = r.specials.partition_point(|s| s.first as usize <= i);
        if let Some(s) = k.checked_sub(1).map(|k| &r.specials[k]) {
            let row = i - s.first as usize;
            match &s.kind {
                Composite::Wide { start, end } if row == 0 => {
                    ops.extend(
                        r.wide_args[*start..*end]
                            .iter()
                            .zip(&r.wide_partials[*start..*end])
                            .map(|(&j, &d)| (j as usize, d)),
                    );
                }
                Composite::MatVec {
                    matrix,
                    transpose,
                    args_at,
                } if row < outputs(&s.kind, &r.matrices) => {
                    let m = &r.matrices[*matrix];
                    let len = if *transpose { m.rows } else { m.cols };
                    for k in 0..len {
                        let a = if *transpose {
                            r.matrix_entries[m.at + k * m.cols + row]
                        } else {
                            r.matrix_entries[m.at + row * m.cols + k]
                        };
                        ops.push((r.block_args[args_at + k] as usize, T::from_real(a)));
                    }
                }
                _ => {}
            }
        }
        Some(ops)
    }
}

impl<T: Scalar> fmt::Display for Tape<T> {
    /// One line per node: `v3 ← v1·2 + v2·1` (operand index · local partial).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for i in 1..=self.len() {
            let ops = self.node(i).unwrap_or_default();
            write!(f, "v{i:<3}")?;
            if ops.is_empty() {
                writeln!(f, "  input")?;
            } else {
                let terms: Vec<String> = ops.iter().map(|(j, d)| format!("v{j}·{d}")).collect();
                writeln!(f, "  ← {}", terms.join(" + "))?;
            }
        }
        Ok(())
    }
}
