//! [`LinearOperator`]: a constant matrix `A` (dense, sparse, or matrix-free) seen through its
//! `f64` kernels `y = A x` and `x = Aᵀ y`.
//!
//! The vector operations [`Scalar::matvec`](crate::Scalar::matvec) and
//! [`Scalar::rmatvec`](crate::Scalar::rmatvec) take an operator behind an `Arc`: on `f64` they
//! call the kernel, on dual numbers they call it once per `f64` part (a linear map with real
//! coefficients acts on each part separately), and on a tape they record one node whose reverse
//! sweep is the other kernel, `x̄ += Aᵀ ȳ`. The tape keeps a clone of the `Arc`, never a copy of
//! the entries, so the operator must not change while a tape that used it is alive (take
//! `&self`, no interior mutability of the entries).

use ndarray::linalg::general_mat_vec_mul;
use ndarray::{Array2, ArrayView1, ArrayViewMut1};

/// A constant linear map `A: ℝⁿ → ℝᵐ` with `f64` coefficients (`m = nrows`, `n = ncols`).
///
/// ```
/// use hypergrad_ad::{LinearOperator, Scalar, Tape};
/// use std::sync::Arc;
///
/// let a = Arc::new(ndarray::array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]);
/// let tape = Tape::<f64>::new();
/// let x = tape.vars(&[1.0, -1.0]);
/// let mut y = vec![hypergrad_ad::Var::constant(0.0); 3];
/// Scalar::matvec(&a, &x, &mut y); // one node for the three outputs
/// let s = Scalar::sum_slice(&y);
/// let g = tape.gradient(s, &x).unwrap(); // Aᵀ 1 = (9, 12)
/// assert_eq!(g, vec![9.0, 12.0]);
/// assert_eq!(a.nrows(), 3);
/// ```
pub trait LinearOperator: Send + Sync {
    /// `m`, the length of `A x`.
    fn nrows(&self) -> usize;
    /// `n`, the length of `x`.
    fn ncols(&self) -> usize;
    /// `y = A x` (`y` is overwritten).
    fn matvec(&self, x: &[f64], y: &mut [f64]);
    /// `x = Aᵀ y` (`x` is overwritten).
    fn rmatvec(&self, y: &[f64], x: &mut [f64]);
}

impl LinearOperator for Array2<f64> {
    fn nrows(&self) -> usize {
        self.dim().0
    }
    fn ncols(&self) -> usize {
        self.dim().1
    }
    fn matvec(&self, x: &[f64], y: &mut [f64]) {
        let mut y = ArrayViewMut1::from(y);
        general_mat_vec_mul(1.0, self, &ArrayView1::from(x), 0.0, &mut y);
    }
    fn rmatvec(&self, y: &[f64], x: &mut [f64]) {
        let mut x = ArrayViewMut1::from(x);
        general_mat_vec_mul(1.0, &self.t(), &ArrayView1::from(y), 0.0, &mut x);
    }
}
