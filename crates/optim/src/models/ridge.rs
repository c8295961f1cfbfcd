//! [`Ridge`]: `1/(2n)‖y − Xβ‖² + ½ Σ_j α_j β_j²`, solved in closed form.

use super::check_penalty;
use super::cholesky::cholesky_solve;
use crate::solvers::progress::check_vector;
use crate::solvers::sweep_l1l2;
use crate::{
    iterate_to_fixed_point, Design, FixedPointMap, LeastSquares, OptimError, Solution, SolveReport,
    SolverParams, StopReason,
};
use hypergrad_ad::Scalar;
use ndarray::ArrayView1;

/// Ridge regression `P(β) = 1/(2n)‖y − Xβ‖² + ½ Σ_j α_j β_j²` with one penalty `α = exp(θ₀)`
/// for every feature ([`Ridge::new`]) or one per feature, `α_j = exp(θ_j)`
/// ([`Ridge::per_feature`]) (same scaling as the elastic net's `α₂/2 ‖β‖²`).
///
/// The minimizer solves `(XᵀX/n + diag(α)) β = Xᵀy/n`, done by a dense Cholesky factorization
/// ([`Ridge::closed_form`], the `solve` of its map): `O(np² + p³)` time, `O(p²)` memory, meant
/// for p up to a few thousand.
///
/// As a [`FixedPointMap`] one application is one Gauss–Seidel (cyclic coordinate) sweep,
/// `β_j ← (L_j β_j + X_jᵀr/n) / (L_j + α_j)` with `L_j = ‖X_j‖²/n`; the unrolled methods
/// differentiate the sweeps that reach the solve's tolerance from the same start.
///
/// ```
/// use hypergrad_optim::{Design, Ridge};
/// use ndarray::array;
///
/// // XᵀX/n = I: β = Xᵀy/n / (1 + α) = (3, −0.5)/2.
/// let x = Design::dense(array![[1.0, 1.0], [1.0, -1.0]]).unwrap();
/// let beta = Ridge::new(x, array![2.5, 3.5].view()).unwrap().closed_form(&[0.0]).unwrap();
/// assert!((beta[0] - 1.5).abs() < 1e-15 && (beta[1] + 0.25).abs() < 1e-15);
/// ```
#[derive(Clone, Debug)]
pub struct Ridge {
    loss: LeastSquares,
    per_feature: bool,
    lipschitz: Vec<f64>,
}

impl Ridge {
    /// Checks the data; one penalty for every feature (`θ = [log α]`).
    pub fn new(design: Design, y: ArrayView1<'_, f64>) -> Result<Self, OptimError> {
        Ok(Self::from_loss(LeastSquares::new(design, y)?, false))
    }

    /// One penalty per feature on an already checked data fit (`θ_j = log α_j`, p of them).
    pub fn per_feature(loss: LeastSquares) -> Self {
        Self::from_loss(loss, true)
    }

    fn from_loss(loss: LeastSquares, per_feature: bool) -> Self {
        let mut lipschitz = vec![0.0; loss.n_features()];
        loss.coordinate_lipschitz(&mut lipschitz);
        Self {
            loss,
            per_feature,
            lipschitz,
        }
    }

    /// The penalties `α_j = exp(θ_j)` (or `exp(θ₀)` for all j), checked.
    pub fn alphas(&self, theta: &[f64]) -> Result<Vec<f64>, OptimError> {
        check_vector("theta", theta, self.dim_theta())?;
        let last = theta.len() - 1;
        let alphas: Vec<f64> = (0..self.loss.n_features())
            .map(|j| theta[j.min(last)].exp())
            .collect();
        alphas
            .iter()
            .try_for_each(|&a| check_penalty("alpha", a, false))?;
        Ok(alphas)
    }

    /// The data fit.
    pub fn loss(&self) -> &LeastSquares {
        &self.loss
    }

    /// `P(β)` at θ. Errors: θ invalid; panics if `β` does not have p entries.
    pub fn value(&self, theta: &[f64], beta: &[f64]) -> Result<f64, OptimError> {
        let alphas = self.alphas(theta)?;
        let penalty: f64 = beta.iter().zip(&alphas).map(|(b, a)| a * b * b).sum();
        Ok(self.loss.value(beta) + 0.5 * penalty)
    }

    /// The minimizer `β = (XᵀX/n + diag(α))⁻¹ Xᵀy/n` at θ.
    ///
    /// Errors: θ invalid, or [`OptimError::InvalidParameter`] when the system is not
    /// numerically positive definite (α tiny with `XᵀX` singular).
    pub fn closed_form(&self, theta: &[f64]) -> Result<Vec<f64>, OptimError> {
        let alphas = self.alphas(theta)?;
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
            gram[k * p + k] += alphas[k];
        }
        let mut beta = vec![0.0; p];
        design.rmatvec(self.loss.y(), &mut beta);
        beta.iter_mut().for_each(|b| *b *= inv_n);
        cholesky_solve(&mut gram, p, &mut beta).map_err(|j| OptimError::InvalidParameter {
            name: "alpha",
            value: alphas[j],
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
    /// The closed form (exact up to rounding; `report.iterations = 0`).
    fn solve(
        &self,
        theta: &[f64],
        _warm_start: Option<&[f64]>,
        _params: &SolverParams,
    ) -> Result<Solution, OptimError> {
        let x = self.closed_form(theta)?;
        let objective = self.value(theta, &x)?;
        let report = SolveReport {
            iterations: 0,
            residual: 0.0,
            duality_gap: None,
            objective,
            stop: StopReason::Converged,
            history: None,
        };
        Ok(Solution { x, report })
    }
    /// The Gauss–Seidel sweeps from `start` to the tolerance.
    fn unrolled_steps(
        &self,
        start: &[f64],
        theta: &[f64],
        params: &SolverParams,
        _solution: &Solution,
    ) -> Result<usize, OptimError> {
        Ok(iterate_to_fixed_point(self, theta, Some(start), params)?
            .report
            .iterations)
    }
}
