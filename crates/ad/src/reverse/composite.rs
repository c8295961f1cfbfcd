//! Composite nodes: one node for a whole vector operation (dot product, sum, axpy,
//! matrix–vector product) and custom primitives given by their value and local partials.
//!
//! A vectorized program then records O(number of vector operations) nodes instead of
//! O(number of scalar multiplications), and a matrix is copied onto the tape once, not once per
//! output partial.

use super::tape::{Composite, Node, Records, StoredMatrix, Tape, SINK};
use super::var::same_tape;
use super::Var;
use crate::error::{check_len, AdError};
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
    /// Records one node of value `value` with operands `(v, ∂/∂v)`; constants are skipped, and a
    /// node with no variable operand is a constant. Up to two operands make a scalar node.
    ///
    /// # Panics
    /// If an operand belongs to another tape (a programming error, as for binary operations).
    #[inline]
    pub(super) fn record<'t>(
        &'t self,
        value: T,
        terms: impl Iterator<Item = (Var<'t, T>, T)>,
    ) -> Var<'t, T> {
        let mut r = self.rec.borrow_mut();
        let (args_at, partials_at) = (r.args.len(), r.partials.len());
        // The first two operands stay in a scalar node unless a third one comes.
        let mut node = Node {
            partials: [T::zero(); 2],
            args: [SINK; 2],
        };
        let mut count = 0;
        for (v, d) in terms {
            let Some(t) = v.tape else { continue };
            same_tape(t, self);
            if count < 2 {
                node.partials[count] = d;
                node.args[count] = v.index;
            } else {
                if count == 2 {
                    r.partials.extend_from_slice(&node.partials);
                    r.args.extend_from_slice(&node.args);
                }
                r.partials.push(d);
                r.args.push(v.index);
            }
            count += 1;
        }
        let index = match count {
            0 => return Var::constant(value),
            1 | 2 => r.push(node),
            len => r.push_special(
                1,
                Composite::Wide {
                    args_at,
                    partials_at,
                    len,
                },
            ),
        };
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
        Ok(self.record(value, inputs.iter().copied().zip(partials.iter().copied())))
    }

    /// `Σᵢ xᵢ wᵢ` for constant weights: one node, partials `wᵢ`.
    ///
    /// # Errors
    /// [`AdError::LengthMismatch`] if `w` and `x` differ in length.
    pub fn dot<'t>(&'t self, x: &[Var<'t, T>], w: &[T::Real]) -> Result<Var<'t, T>, AdError> {
        check_len("dot weights", x.len(), w.len())?;
        let value = x
            .iter()
            .zip(w)
            .fold(T::zero(), |acc, (xi, &wi)| acc + xi.value.scale(wi));
        let terms = x.iter().zip(w).map(|(xi, &wi)| (*xi, T::from_real(wi)));
        Ok(self.record(value, terms))
    }

    /// `Σᵢ xᵢ yᵢ` of two variable vectors: one node, partials `yᵢ` for `xᵢ` and `xᵢ` for `yᵢ`.
    ///
    /// # Errors
    /// [`AdError::LengthMismatch`] if `y` and `x` differ in length.
    pub fn dot_vars<'t>(
        &'t self,
        x: &[Var<'t, T>],
        y: &[Var<'t, T>],
    ) -> Result<Var<'t, T>, AdError> {
        check_len("dot_vars second vector", x.len(), y.len())?;
        let value = x
            .iter()
            .zip(y)
            .fold(T::zero(), |acc, (a, b)| acc + a.value * b.value);
        let terms = x
            .iter()
            .zip(y)
            .flat_map(|(a, b)| [(*a, b.value), (*b, a.value)]);
        Ok(self.record(value, terms))
    }

    /// `Σᵢ xᵢ`: one node, partials 1.
    pub fn sum<'t>(&'t self, x: &[Var<'t, T>]) -> Var<'t, T> {
        let value = x.iter().fold(T::zero(), |acc, xi| acc + xi.value);
        self.record(value, x.iter().map(|xi| (*xi, T::one())))
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
        let args_at = r.args.len();
        for v in x {
            let j = Records::operand(self, v);
            r.args.push(j);
        }
        let first = r.push_special(
            outer,
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
