//! [`LeastSquares`]: `f(β) = 1/(2n) ‖y − Xβ‖²`.

use super::checked_data;
use crate::{Design, OptimError};
use hypergrad_ad::Scalar;
use ndarray::ArrayView1;
use std::sync::Arc;

/// The least-squares data fit `f(β) = 1/(2n) ‖y − Xβ‖²` (scikit-learn's scaling).
///
/// `∇f(β) = −Xᵀ(y − Xβ)/n`; `∇f` is `‖X‖₂²/n`-Lipschitz, and `‖X_j‖²/n`-Lipschitz along
/// coordinate j.
///
/// ```
/// use hypergrad_optim::{Design, LeastSquares};
/// use ndarray::array;
///
/// let x = Design::dense(array![[1.0, 0.0], [0.0, 2.0]]).unwrap();
/// let loss = LeastSquares::new(x, array![1.0, 2.0].view()).unwrap();
/// // r = y − Xβ = (0, 0) at β = (1, 1).
/// assert_eq!(loss.value(&[1.0, 1.0]), 0.0);
/// assert_eq!(loss.value(&[0.0, 0.0]), 5.0 / 4.0);
/// ```
#[derive(Clone, Debug)]
pub struct LeastSquares {
    /// Shared, so that a sweep rule kept on a tape holds the design without a copy.
    design: Arc<Design>,
    y: Vec<f64>,
    col_sq_norms: Vec<f64>,
}

impl LeastSquares {
    /// Checks the data (shapes agree, finite, non-empty) and precomputes `‖X_j‖²`.
    pub fn new(design: Design, y: ArrayView1<'_, f64>) -> Result<Self, OptimError> {
        let y = y.to_vec();
        let (design, y) = checked_data(design, &y)?;
        let mut col_sq_norms = vec![0.0; design.n_features()];
        design.col_sq_norms(&mut col_sq_norms);
        Ok(Self {
            design: Arc::new(design),
            y,
            col_sq_norms,
        })
    }

    /// The design `X`.
    pub fn design(&self) -> &Design {
        &self.design
    }

    /// The design as a shared operator, for `S::matvec` / `S::rmatvec`.
    pub(crate) fn operator(&self) -> &Arc<Design> {
        &self.design
    }

    /// The targets `y`.
    pub fn y(&self) -> &[f64] {
        &self.y
    }

    /// Number of samples n.
    pub fn n_samples(&self) -> usize {
        self.y.len()
    }

    /// Number of features p.
    pub fn n_features(&self) -> usize {
        self.col_sq_norms.len()
    }

    /// The squared column norms `‖X_j‖²`.
    pub fn col_sq_norms(&self) -> &[f64] {
        &self.col_sq_norms
    }

    /// Writes the residual `r = y − Xβ` into `out` (length n); `Xβ` is one vector operation
    /// (one node on a tape).
    pub fn residual<S: Scalar>(&self, beta: &[S], out: &mut [S]) {
        S::matvec(&self.design, beta, out);
        out.iter_mut().zip(&self.y).for_each(|(o, &y)| *o = -*o + y);
    }

    /// `1/(2n) ‖r‖²` for a given residual `r = y − Xβ`.
    pub fn value_from_residual<S: Scalar>(&self, r: &[S]) -> S {
        S::norm_sq(r) * (0.5 / self.n_samples() as f64)
    }

    /// `f(β) = 1/(2n) ‖y − Xβ‖²`, generic over the scalar (allocates one n-vector).
    pub fn value<S: Scalar>(&self, beta: &[S]) -> S {
        let mut r = vec![S::zero(); self.n_samples()];
        self.residual(beta, &mut r);
        self.value_from_residual(&r)
    }

    /// Writes `∇f(β) = −Xᵀ(y − Xβ)/n` into `out` (length p; allocates one n-vector).
    pub fn gradient(&self, beta: &[f64], out: &mut [f64]) {
        let mut r = vec![0.0; self.n_samples()];
        self.residual(beta, &mut r);
        self.design.rmatvec(&r, out);
        let scale = -1.0 / self.n_samples() as f64;
        out.iter_mut().for_each(|g| *g *= scale);
    }

    /// The Lipschitz constant of `∇f`: `‖X‖₂²/n` (power iteration, see
    /// [`Design::spectral_norm_sq`]).
    pub fn lipschitz(&self) -> f64 {
        self.design.spectral_norm_sq() / self.n_samples() as f64
    }

    /// Per-coordinate Lipschitz constants `‖X_j‖²/n`, written into `out` (length p).
    pub fn coordinate_lipschitz(&self, out: &mut [f64]) {
        let n = self.n_samples() as f64;
        out.iter_mut()
            .zip(&self.col_sq_norms)
            .for_each(|(o, c)| *o = c / n);
    }

    /// `‖Xᵀy‖∞ / n`: the smallest ℓ1 penalty for which β = 0 minimizes `f + α‖·‖₁`.
    pub fn alpha_max(&self) -> f64 {
        self.design.max_abs_col_dot(&self.y) / self.n_samples() as f64
    }
}
