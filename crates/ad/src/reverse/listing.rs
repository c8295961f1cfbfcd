//! The listing of a tape: the operands and local partials of each node, for teaching and
//! debugging (values live in the [`Var`](super::Var)s, not on the tape).

use super::tape::{Composite, Records, Tape, SINK};
use crate::Scalar;
use std::fmt;

impl<T: Scalar> Tape<T> {
    /// The operands of node `i` as `(operand index, ∂node/∂operand)`, composite nodes included
    /// (a matrix–vector output lists one entry per matrix column); empty for an input, `None`
    /// for the sink 0 or an index past the end. Constant operands of composite nodes are not
    /// listed.
    pub fn node(&self, i: usize) -> Option<Vec<(usize, T)>> {
        let r = self.rec.borrow();
        if i == 0 || i >= r.next() {
            return None;
        }
        let k = r.specials.partition_point(|s| s.first as usize <= i);
        let special = k.checked_sub(1).map(|k| &r.specials[k]);
        let pos = match special {
            Some(s) if i < (s.first + s.outputs) as usize => {
                let mut ops = composite_row(&r, s.kind, i - s.first as usize, s.outputs);
                ops.retain(|&(j, _)| j != SINK as usize);
                return Some(ops);
            }
            Some(s) => s.node_pos + i - (s.first + s.outputs) as usize,
            None => i,
        };
        let node = r.nodes[pos];
        Some(
            node.args
                .iter()
                .zip(node.partials)
                .filter(|(&j, _)| j != SINK)
                .map(|(&j, d)| (j as usize, d))
                .collect(),
        )
    }
}

/// The operands of output `row` of a composite node.
fn composite_row<T: Scalar>(
    r: &Records<T>,
    kind: Composite,
    row: usize,
    outputs: u32,
) -> Vec<(usize, T)> {
    let n = outputs as usize;
    let arg = |k: usize| r.args[k] as usize;
    match kind {
        Composite::Inputs => Vec::new(),
        Composite::Wide {
            args_at,
            partials_at,
            len,
            ..
        } => (0..len)
            .map(|k| (arg(args_at + k), r.partials[partials_at + k]))
            .collect(),
        Composite::Matrix {
            matrix,
            transpose,
            args_at,
        } => {
            let m = &r.matrices[matrix];
            let len = if transpose { m.rows } else { m.cols };
            (0..len)
                .map(|k| {
                    let at = if transpose {
                        k * m.cols + row
                    } else {
                        row * m.cols + k
                    };
                    (arg(args_at + k), T::from_real(r.matrix_entries[m.at + at]))
                })
                .collect()
        }
        Composite::Operator {
            operator,
            transpose,
            args_at,
        } => {
            // Row `row` of A (column of Aᵀ): Aᵀ eᵣ (or A eᵣ).
            let op = &r.operators[operator];
            let mut e = vec![0.0; n];
            e[row] = 1.0;
            let mut coeffs = vec![0.0; if transpose { op.nrows() } else { op.ncols() }];
            if transpose {
                op.matvec(&e, &mut coeffs);
            } else {
                op.rmatvec(&e, &mut coeffs);
            }
            coeffs
                .iter()
                .enumerate()
                .map(|(k, &c)| (arg(args_at + k), T::from_f64(c)))
                .collect()
        }
        Composite::Axpy {
            args_at,
            partials_at,
        } => vec![
            (arg(args_at), r.partials[partials_at + 1 + row]),
            (arg(args_at + 1 + row), r.partials[partials_at]),
            (arg(args_at + 1 + n + row), T::one()),
        ],
        Composite::Diagonal {
            args_at,
            partials_at,
            zipped,
            params,
            ..
        } => {
            let z = usize::from(zipped);
            let d = &r.partials[partials_at + row * (1 + z + params)..];
            let w = zipped.then(|| (arg(args_at + n + row), d[1]));
            std::iter::once((arg(args_at + row), d[0]))
                .chain(w)
                .chain((0..params).map(|k| (arg(args_at + (1 + z) * n + k), d[1 + z + k])))
                .collect()
        }
        Composite::Pullback {
            rule,
            args_at,
            values_at,
            inputs,
        } => {
            // Row `row` of J: Jᵀ eᵣ by the rule's VJP.
            let mut e = vec![T::zero(); n];
            e[row] = T::one();
            let mut coeffs = vec![T::zero(); inputs];
            let (x, y) = r.partials[values_at..].split_at(inputs);
            r.pullbacks[rule].vjp(x, &y[..n], &e, &mut coeffs);
            (0..inputs).map(|k| (arg(args_at + k), coeffs[k])).collect()
        }
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
