//! [`Ridge`]: `1/(2n)‖y − Xβ‖² + ½ Σ_j α_j β_j²`, solved in closed form.

use super::check_penalty;
use super::cholesky::cholesky_solve;
use crate::solvers::sweep_l1l2;
use crate::{Design, FixedPointMap, LeastSquares, OptimError};
use hypergrad_ad::Scalar;
use ndarray::ArrayView1;

/// Ridge regression `P(β) = 1/(2n)‖y − Xβ‖² + ½ Σ_j α_j β_j²` with a scalar (`α_j = α`) or
/// per-feature penalty, `α_j ≥ 0` (same scaling as the elastic net's `α₂/2 ‖β‖²`).
///
/// The minimizer solves `(XᵀX/n + diag(α)) β = Xᵀy/n`, done by a dense Cholesky factorization:
/// `O(np² + p³)` time, `O(p²)` memory, meant for p up to a few thousand. With `α = 0` and `XᵀX`
/// singular, [`Ridge::solve`] reports the system as not positive definite.
///
/// As a [`FixedPointMap`] one application is one Gauss–Seidel (cyclic coordinate) sweep,
/// `β_j ← (L_j β_j + X_jᵀr/n) / (L_j + α_j)` with `L_j = ‖X_j‖²/n`, and `θ = log α`: one entry
/// for a scalar penalty ([`Ridge::new`]), p entries for per-feature penalties
/// ([`Ridge::with_feature_penalties`]).
///
/// ```
/// use hypergrad_optim::{Design, Ridge};
/// use ndarray::array;
///
/// // XᵀX/n = I: β = Xᵀy/n / (1 + α) = (3, −0.5)/2.
/// let x = Design::dense(array![[1.0, 1.0], [1.0, -1.0]]).unwrap();
/// let beta = Ridge::new(x, array![2.5, 3.5].view(), 1.0).unwrap().solve().unwrap();
/// assert!((beta[0] - 1.5).abs() < 1e-15 && (beta[1] + 0.25).abs() < 1e-15);
/// ```
#[derive(Clone, Debug)]
pub struct Ridge {
    loss: LeastSquares,
    alphas: Vec<f64>,
    per_feature: bool,
    lipschitz: Vec<f64>,
}

impl Ridge {
    /// Checks the data and `α` (finite, `≥ 0`), applied to every feature.
    pub fn new(design: Design, y: ArrayView1<'_, f64>, alpha: f64) -> Result<Self, OptimError> {
        let loss = LeastSquares::new(design, y)?;
        let p = loss.n_features();
        let mut ridge = Self::with_feature_penalties(loss, &vec![alpha; p])?;
        ridge.per_feature = false;
        Ok(ridge)
    }

    /// One penalty per feature (p of them, each finite and `≥ 0`).
    pub fn with_feature_penalties(loss: LeastSquares, alphas: &[f64]) -> Result<Self, OptimError> {
        if alphas.len() != loss.n_features() {
            return Err(OptimError::ShapeMismatch {
                what: "alphas",
                expected: loss.n_features(),
                got: alphas.len(),
            });
        }
        alphas
            .iter()
            .try_for_each(|&a| check_penalty("alpha", a, true))?;
        let mut lipschitz = vec![0.0; loss.n_features()];
        loss.coordinate_lipschitz(&mut lipschitz);
        Ok(Self {
            loss,
            alphas: alphas.to_vec(),
            per_feature: true,
            lipschitz,
        })
    }

    /// Sets the penalties from `θ = log α` (one entry, or one per feature, as constructed).
    pub fn set_theta(&mut self, theta: &[f64]) -> Result<(), OptimError> {
        if theta.len() != self.dim_theta() {
            return Err(OptimError::ShapeMismatch {
                what: "theta",
                expected: self.dim_theta(),
                got: theta.len(),
            });
        }
        let p = self.alphas.len();
        let alphas: Vec<f64> = (0..p)
            .map(|j| theta[j.min(theta.len() - 1)].exp())
            .collect();
        alphas
            .iter()
            .try_for_each(|&a| check_penalty("alpha", a, true))?;
        self.alphas = alphas;
        Ok(())
    }

    /// The penalties `α_j`.
    pub fn alphas(&self) -> &[f64] {
        &self.alphas
    }

    /// The data fit.
    pub fn loss(&self) -> &LeastSquares {
        &self.loss
    }

    /// `P(β)`. Panics if `β` does not have p entries.
    pub fn value(&self, beta: &[f64]) -> f64 {
        let penalty: f64 = beta.iter().zip(&self.alphas).map(|(b, a)| a * b * b).sum();
        self.loss.value(beta) + 0.5 * penalty
    }

    /// The minimizer `β = (XᵀX/n + diag(α))⁻¹ Xᵀy/n`.
    ///
    /// Error: [`OptimError::InvalidParameter`] when the system is not numerically positive
    /// definite (some `α_j = 0` with `XᵀX` singular).
    pub fn solve(&self) -> Result<Vec<f64>, OptimError> {
        let (design, n, p) = (
            self.loss.design(),
            self.loss.n_samples(),
            self.loss.n_features(),
        );
        let inv_n = 1.0 / n as f64;
        // Lower triangle of the Gram matrix, one dense column of X at a time.
        let mut gram = vec![0.0; p * p];
        let mut column = vec![0.0; n];
        for k in 0..p {
            column.iter_mut().for_each(|v| *v = 0.0);
            design.col_axpy(k, 1.0, &mut column);
            for j in k..p {
                gram[j * p + k] = design.col_dot(j, &column) * inv_n;
            }
            gram[k * p + k] += self.alphas[k];
        }
        let mut beta = vec![0.0; p];
        design.rmatvec(self.loss.y(), &mut beta);
        beta.iter_mut().for_each(|b| *b *= inv_n);
        cholesky_solve(&mut gram, p, &mut beta).map_err(|j| OptimError::InvalidParameter {
            name: "alpha",
            value: self.alphas[j],
            reason: "XᵀX/n + diag(α) is not positive definite: increase α",
        })?;
        Ok(beta)
    }
}

impl FixedPointMap for Ridge {
    fn dim_x(&self) -> usize {
        self.loss.n_features()
    }
    fn dim_theta(&self) -> usize {
        if self.per_feature {
            self.loss.n_features()
        } else {
            1
        }
    }
    fn apply<S: Scalar>(&self, x: &[S], theta: &[S], out: &mut [S]) {
        out.copy_from_slice(x);
        let mut r = vec![S::zero(); self.loss.n_samples()];
        self.loss.residual(out, &mut r);
        let last = theta.len() - 1;
        sweep_l1l2(
            self.loss.design(),
            &self.lipschitz,
            (|_| S::zero(), |j| theta[j.min(last)].exp()),
            None,
            false,
            out,
            &mut r,
        );
    }
}
