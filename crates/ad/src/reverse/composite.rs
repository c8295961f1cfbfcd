//! Composite nodes: one node for a whole vector operation (dot product, sum, axpy,
//! matrix–vector product) and custom primitives given by their value and local partials.
//!
//! A vectorized program then records O(number of vector operations) nodes instead of
//! O(number of scalar multiplications), and a matrix is copied onto the tape once, not once per
//! output partial.

use super::tape::{Composite, Node, StoredMatrix, Tape, WideKind, SINK};
use super::var::same_tape;
use super::Var;
use crate::error::{check_len, AdError};
use crate::op::Op;
use crate::Scalar;
use ndarray::ArrayView2;

/// A matrix stored on a tape by [`Tape::matrix`], for [`Tape::matvec`] and [`Tape::matvec_t`].
#[derive(Clone, Copy, Debug)]
pub struct TapeMatrix<'t, T: Scalar> {
    tape: &'t Tape<T>,
    id: usize,
    rows: usize,
    cols: usize,
}

impl<T: Scalar> TapeMatrix<'_, T> {
    /// `(rows, cols)`.
    pub fn dim(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }
}

impl<T: Scalar> Tape<T> {
    /// Records one node of value `value` with operands `(v, ∂/∂v)` whose partials the caller
    /// computed (a custom primitive): constants are skipped, a node with no variable operand is
    /// a constant, and up to two operands make a scalar node. The recording can no longer be
    /// replayed (the partials cannot be computed again).
    ///
    /// # Panics
    /// If an operand belongs to another tape (a programming error, as for binary operations).
    #[inline]
    pub(super) fn record_opaque<'t>(
        &'t self,
        value: T,
        terms: impl Iterator<Item = (Var<'t, T>, T)>,
    ) -> Var<'t, T> {
        let mut r = self.rec.borrow_mut();
        let (args_at, partials_at, consts_at) = (r.args.len(), r.partials.len(), r.consts.len());
        // The first two operands stay in a scalar node unless a third one comes.
        let mut node = Node {
            partials: [T::zero(); 2],
            args: [SINK; 2],
        };
        let mut count = 0;
        for (v, d) in terms {
            let Some(t) = v.tape else { continue };
            same_tape(t, self);
            let index = r.node_of(&v);
            if count < 2 {
                node.partials[count] = d;
                node.args[count] = index;
            } else {
                if count == 2 {
                    r.partials.extend_from_slice(&node.partials);
                    r.args.extend_from_slice(&node.args);
                }
                r.partials.push(d);
                r.args.push(index);
            }
            count += 1;
        }
        let index = match count {
            0 => return Var::constant(value),
            1 | 2 => r.push(Op::OPAQUE, node),
            len => r.push_special(
                1,
                consts_at,
                Composite::Wide {
                    args_at,
                    partials_at,
                    len,
                    kind: WideKind::Opaque,
                },
            ),
        };
        drop(r);
        self.block_replay("a custom node (its partials were given, not computed)");
        Var::on_tape(value, index, self)
    }

    /// Records one wide node of value `value` that `kind` can evaluate again: every operand is
    /// listed (a constant as the sink, its value kept), with its partial. The caller has checked
    /// that at least one operand is a variable.
    ///
    /// # Panics
    /// If an operand belongs to another tape.
    pub(super) fn record_wide<'t>(
        &'t self,
        value: T,
        kind: WideKind,
        terms: impl Iterator<Item = (Var<'t, T>, T)>,
    ) -> Var<'t, T> {
        let mut r = self.rec.borrow_mut();
        let (args_at, partials_at, consts_at) = (r.args.len(), r.partials.len(), r.consts.len());
        for (v, d) in terms {
            r.push_operand(self, &v);
            r.partials.push(d);
        }
        let len = r.args.len() - args_at;
        let index = r.push_special(
            1,
            consts_at,
            Composite::Wide {
                args_at,
                partials_at,
                len,
                kind,
            },
        );
        Var::on_tape(value, index, self)
    }

    /// A custom primitive `y = g(x₁ … xₙ)` given its value and its local partials `∂g/∂xᵢ`,
    /// recorded as one node without differentiating through `g`'s implementation.
    ///
    /// ```
    /// use hypergrad_ad::Tape;
    ///
    /// let tape = Tape::<f64>::new();
    /// let x = tape.vars(&[1.0, 2.0]);
    /// // y = x₁² x₂, computed elsewhere: value 2, partials (2x₁x₂, x₁²) = (4, 1).
    /// let y = tape.custom(&x, 2.0, &[4.0, 1.0]).unwrap();
    /// tape.reverse(&[(y, 1.0)]).unwrap();
    /// assert_eq!((tape.adjoint(x[0]), tape.adjoint(x[1])), (4.0, 1.0));
    /// ```
    ///
    /// # Errors
    /// [`AdError::LengthMismatch`] if `partials` and `inputs` differ in length.
    #[inline]
    pub fn custom<'t>(
        &'t self,
        inputs: &[Var<'t, T>],
        value: T,
        partials: &[T],
    ) -> Result<Var<'t, T>, AdError> {
        check_len("custom partials", inputs.len(), partials.len())?;
        Ok(self.record_opaque(value, inputs.iter().copied().zip(partials.iter().copied())))
    }

    /// `Σᵢ xᵢ wᵢ` for constant weights: one node, partials `wᵢ` (as [`Scalar::dot_const`]).
    ///
    /// # Errors
    /// [`AdError::LengthMismatch`] if `w` and `x` differ in length.
    pub fn dot<'t>(&'t self, x: &[Var<'t, T>], w: &[T::Real]) -> Result<Var<'t, T>, AdError> {
        check_len("dot weights", x.len(), w.len())?;
        let w: Vec<f64> = w.iter().map(Scalar::to_f64_value).collect();
        Ok(super::vector::dot_const(x, &w))
    }

    /// `Σᵢ xᵢ yᵢ`: one node, partials `yᵢ` for `xᵢ` and `xᵢ` for `yᵢ` (as [`Scalar::dot`]).
    ///
    /// # Errors
    /// [`AdError::LengthMismatch`] if `y` and `x` differ in length.
    pub fn dot_vars<'t>(
        &'t self,
        x: &[Var<'t, T>],
        y: &[Var<'t, T>],
    ) -> Result<Var<'t, T>, AdError> {
        check_len("dot_vars second vector", x.len(), y.len())?;
        Ok(super::vector::dot(x, y))
    }

    /// `Σᵢ xᵢ`: one node, partials 1 (as [`Scalar::sum_slice`]).
    pub fn sum<'t>(&'t self, x: &[Var<'t, T>]) -> Var<'t, T> {
        super::vector::sum(x)
    }

    /// `zᵢ = a·xᵢ + yᵢ`: one composite node for all outputs.
    ///
    /// # Errors
    /// [`AdError::LengthMismatch`] if `y` and `x` differ in length.
    pub fn axpy<'t>(
        &'t self,
        a: Var<'t, T>,
        x: &[Var<'t, T>],
        y: &[Var<'t, T>],
    ) -> Result<Vec<Var<'t, T>>, AdError> {
        check_len("axpy y", x.len(), y.len())?;
        let mut z = y.to_vec();
        super::vector::axpy(a, x, &mut z);
        Ok(z)
    }

    /// Copies `a` onto the tape for [`Tape::matvec`] / [`Tape::matvec_t`]. Storing the same view
    /// again (same address, shape, strides and entries) returns the stored copy, so a loop that
    /// multiplies by one matrix at every step keeps one copy. The entries are compared because
    /// the borrow of `a` ends with this call: another matrix may later sit at the same address.
    /// The comparison is one pass over contiguous memory (cheaper than the product), and only
    /// for a candidate of the same address; [`Scalar::matvec`](crate::Scalar::matvec) with a
    /// shared operator needs neither the copy nor the comparison.
    pub fn matrix<'t>(&'t self, a: ArrayView2<'_, T::Real>) -> TapeMatrix<'t, T> {
        let (rows, cols) = a.dim();
        let st = a.strides();
        let source = (a.as_ptr() as usize, [rows, cols], [st[0], st[1]]);
        let mut r = self.rec.borrow_mut();
        let found = r.matrices.iter().rposition(|m| {
            let stored = &r.matrix_entries[m.at..m.at + rows * cols];
            m.source == source
                && match a.as_slice() {
                    Some(entries) => stored == entries,
                    None => stored.iter().zip(a.iter()).all(|(s, x)| s == x),
                }
        });
        let id = found.unwrap_or_else(|| {
            let at = r.matrix_entries.len();
            r.matrix_entries.extend(a.iter().copied());
            r.matrices.push(StoredMatrix {
                at,
                source,
                rows,
                cols,
            });
            r.matrices.len() - 1
        });
        TapeMatrix {
            tape: self,
            id,
            rows,
            cols,
        }
    }

    /// `y = A x`: one composite block for all `rows` outputs; `A` is not copied again.
    ///
    /// # Errors
    /// [`AdError::LengthMismatch`] if `x.len() != cols`.
    pub fn matvec<'t>(
        &'t self,
        a: &TapeMatrix<'t, T>,
        x: &[Var<'t, T>],
    ) -> Result<Vec<Var<'t, T>>, AdError> {
        self.block(a, x, false)
    }

    /// `y = Aᵀ x` with the same stored `A`.
    ///
    /// # Errors
    /// [`AdError::LengthMismatch`] if `x.len() != rows`.
    pub fn matvec_t<'t>(
        &'t self,
        a: &TapeMatrix<'t, T>,
        x: &[Var<'t, T>],
    ) -> Result<Vec<Var<'t, T>>, AdError> {
        self.block(a, x, true)
    }

    /// Records `A x` or `Aᵀ x` as a block; constants in `x` point to the sink (no node), and an
    /// all-constant `x` gives constant outputs without recording.
    fn block<'t>(
        &'t self,
        a: &TapeMatrix<'t, T>,
        x: &[Var<'t, T>],
        transpose: bool,
    ) -> Result<Vec<Var<'t, T>>, AdError> {
        same_tape(a.tape, self);
        let (inner, outer) = if transpose {
            (a.rows, a.cols)
        } else {
            (a.cols, a.rows)
        };
        check_len("matvec vector", inner, x.len())?;
        let values: Vec<T> = {
            let r = self.rec.borrow();
            let m = &r.matrices[a.id];
            let entries = &r.matrix_entries[m.at..m.at + m.rows * m.cols];
            (0..outer)
                .map(|i| {
                    x.iter().enumerate().fold(T::zero(), |acc, (k, xk)| {
                        let aik = if transpose {
                            entries[k * m.cols + i]
                        } else {
                            entries[i * m.cols + k]
                        };
                        acc + xk.value.scale(aik)
                    })
                })
                .collect()
        };
        if x.iter().all(|v| v.tape.is_none()) {
            return Ok(values.into_iter().map(Var::constant).collect());
        }
        let mut r = self.rec.borrow_mut();
        let (args_at, consts_at) = (r.args.len(), r.consts.len());
        for v in x {
            r.push_operand(self, v);
        }
        let first = r.push_special(
            outer,
            consts_at,
            Composite::Matrix {
                matrix: a.id,
                transpose,
                args_at,
            },
        );
        Ok(values
            .into_iter()
            .enumerate()
            .map(|(i, value)| Var::on_tape(value, first + i as u32, self))
            .collect())
    }
}
