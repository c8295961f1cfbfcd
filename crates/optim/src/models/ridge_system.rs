//! The normal equations of ridge regression, `A β = Xᵀy/n` with `A = XᵀX/n + D`,
//! `D = diag(α)`, factored in the smaller of two forms.
//!
//! - **Primal** (`n ≥ p`): the Cholesky factor of the p×p matrix `A` itself.
//! - **Dual** (`n < p`, Woodbury): the Cholesky factor of the n×n matrix
//!   `K = nI + X D⁻¹ Xᵀ`. From `A⁻¹ = D⁻¹ − D⁻¹Xᵀ K⁻¹ X D⁻¹`, the solution is
//!   `β = D⁻¹Xᵀ K⁻¹ y` (the optimality condition `β = D⁻¹Xᵀ(y − Xβ)/n` with `u = (y − Xβ)/n`
//!   gives `K u = y`), and `A⁻¹g = D⁻¹g − D⁻¹Xᵀ K⁻¹ X D⁻¹ g`.
//!
//! Either way the cost is `O(n·p·min(n, p))` to form the matrix (a GEMM for dense designs, a
//! sum of column outer products for sparse ones), `min(n, p)³/3` to factor it, and one factor
//! serves the solution and every product `A⁻¹g` of the implicit hypergradient.

use super::cholesky::Cholesky;
use crate::{Design, LeastSquares, OptimError};
use ndarray::{Array1, Array2, ShapeBuilder};

/// Which matrix is factored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Form {
    /// `A = XᵀX/n + D` (p×p).
    Primal,
    /// `K = nI + X D⁻¹ Xᵀ` (n×n).
    Dual,
}

impl Form {
    /// The smaller system for an n×p design.
    pub(crate) fn for_shape(n: usize, p: usize) -> Self {
        if n >= p {
            Form::Primal
        } else {
            Form::Dual
        }
    }
}

/// `XᵀX/n` (p×p), the θ-independent part of the primal matrix.
pub(crate) fn primal_gram(design: &Design) -> Array2<f64> {
    let (n, p) = (design.n_samples(), design.n_features());
    let mut gram = match design {
        Design::Dense(x) => x.t().dot(x),
        Design::Sparse(_) | Design::Centered { .. } => {
            let mut gram = Array2::zeros((p, p).f());
            let mut column = vec![0.0; n];
            for k in 0..p {
                design.col_axpy(k, 1.0, &mut column);
                for j in k..p {
                    let v = design.col_dot(j, &column);
                    gram[[j, k]] = v;
                    gram[[k, j]] = v;
                }
                // x + (−x) = 0 exactly: the buffer is zero again.
                design.col_axpy(k, -1.0, &mut column);
            }
            gram
        }
    };
    gram.mapv_inplace(|v| v / n as f64);
    gram
}

/// `X diag(w) Xᵀ = Σ_j w_j X_j X_jᵀ` (n×n): the dual matrix's data part, `w = 1/α`.
pub(crate) fn dual_gram(design: &Design, weights: &[f64]) -> Array2<f64> {
    let n = design.n_samples();
    match design {
        Design::Dense(x) => {
            let scaled = x * &Array1::from_iter(weights.iter().map(|w| w.sqrt()));
            scaled.dot(&scaled.t())
        }
        Design::Sparse(x) => {
            let mut gram = Array2::zeros((n, n).f());
            for (j, column) in x.outer_iterator().enumerate() {
                for (a, &va) in column.iter() {
                    let scaled = weights[j] * va;
                    for (b, &vb) in column.iter() {
                        gram[[b, a]] += scaled * vb;
                    }
                }
            }
            gram
        }
        Design::Centered { .. } => {
            // Column by column as dense vectors: X̃_j = X_j − m_j 1 is dense.
            let mut gram = Array2::zeros((n, n).f());
            let mut column = vec![0.0; n];
            for (j, &w) in weights.iter().enumerate() {
                column.iter_mut().for_each(|c| *c = 0.0);
                design.col_axpy(j, 1.0, &mut column);
                for (b, &vb) in column.iter().enumerate() {
                    let scaled = w * vb;
                    for (a, &va) in column.iter().enumerate() {
                        gram[[a, b]] += scaled * va;
                    }
                }
            }
            gram
        }
    }
}

/// The factored normal equations at one set of penalties.
#[derive(Clone, Debug)]
pub(crate) struct RidgeSystem {
    alphas: Vec<f64>,
    form: Form,
    factor: Cholesky,
}

impl RidgeSystem {
    /// Factors the system for penalties `alphas` (all `> 0`). `gram` is the θ-independent part
    /// when it is known (`XᵀX/n` for the primal form, `XXᵀ` for a dual form with equal
    /// penalties), else it is formed here.
    ///
    /// Errors: [`OptimError::InvalidParameter`] when the matrix is not numerically positive
    /// definite (α tiny with `XᵀX` singular).
    pub(crate) fn factor(
        loss: &LeastSquares,
        alphas: Vec<f64>,
        form: Form,
        gram: Option<&Array2<f64>>,
    ) -> Result<Self, OptimError> {
        let design = loss.design();
        let n = loss.n_samples() as f64;
        let matrix = match form {
            Form::Primal => {
                let mut a = gram.cloned().unwrap_or_else(|| primal_gram(design));
                a.diag_mut()
                    .iter_mut()
                    .zip(&alphas)
                    .for_each(|(d, alpha)| *d += alpha);
                a
            }
            Form::Dual => {
                let mut k = match gram {
                    Some(xxt) => xxt / alphas[0],
                    None => {
                        let weights: Vec<f64> = alphas.iter().map(|a| 1.0 / a).collect();
                        dual_gram(design, &weights)
                    }
                };
                k.diag_mut().iter_mut().for_each(|d| *d += n);
                k
            }
        };
        let factor = Cholesky::factor(matrix).map_err(|j| OptimError::InvalidParameter {
            name: "alpha",
            value: match form {
                Form::Primal => alphas[j],
                Form::Dual => alphas.iter().copied().fold(f64::INFINITY, f64::min),
            },
            reason: "XᵀX/n + diag(α) is not numerically positive definite: increase α",
        })?;
        Ok(Self {
            alphas,
            form,
            factor,
        })
    }

    /// The penalties `α_j`.
    pub(crate) fn alphas(&self) -> &[f64] {
        &self.alphas
    }

    /// The minimizer `β = A⁻¹Xᵀy/n`.
    pub(crate) fn coefficients(&self, loss: &LeastSquares) -> Vec<f64> {
        let design = loss.design();
        let n = loss.n_samples() as f64;
        let mut beta = vec![0.0; loss.n_features()];
        match self.form {
            Form::Primal => {
                design.rmatvec(loss.y(), &mut beta);
                beta.iter_mut().for_each(|b| *b /= n);
                self.factor.solve_in_place(&mut beta);
            }
            Form::Dual => {
                let mut u = loss.y().to_vec();
                self.factor.solve_in_place(&mut u);
                design.rmatvec(&u, &mut beta);
                beta.iter_mut().zip(&self.alphas).for_each(|(b, a)| *b /= a);
            }
        }
        beta
    }

    /// `A⁻¹g` (`g` of length p).
    pub(crate) fn solve(&self, loss: &LeastSquares, g: &[f64]) -> Vec<f64> {
        let mut out = g.to_vec();
        match self.form {
            Form::Primal => self.factor.solve_in_place(&mut out),
            Form::Dual => {
                let design = loss.design();
                out.iter_mut().zip(&self.alphas).for_each(|(v, a)| *v /= a);
                let mut w = vec![0.0; loss.n_samples()];
                design.matvec(&out, &mut w);
                self.factor.solve_in_place(&mut w);
                let mut correction = vec![0.0; out.len()];
                design.rmatvec(&w, &mut correction);
                out.iter_mut()
                    .zip(&correction)
                    .zip(&self.alphas)
                    .for_each(|((v, c), a)| *v -= c / a);
            }
        }
        out
    }
}
