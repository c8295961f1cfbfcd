//! [`Ridge`]: `1/(2n)‖y − Xβ‖² + ½ Σ_j α_j β_j²`, solved by a direct factorization.

use super::check_penalty;
use super::ridge_system::{dual_gram, primal_gram, Form, RidgeSystem};
use crate::solvers::progress::check_vector;
use crate::solvers::sweep_l1l2;
use crate::{
    iterate_to_fixed_point, Design, FixedPointMap, LeastSquares, OptimError, Solution, SolveReport,
    SolverParams, StopReason,
};
use hypergrad_ad::Scalar;
use ndarray::{Array2, ArrayView1};
use std::sync::{Arc, Mutex, OnceLock};

/// Ridge regression `P(β) = 1/(2n)‖y − Xβ‖² + ½ Σ_j α_j β_j²` with one penalty `α = exp(θ₀)`
/// for every feature ([`Ridge::new`]) or one per feature, `α_j = exp(θ_j)`
/// ([`Ridge::per_feature`]) (same scaling as the elastic net's `α₂/2 ‖β‖²`).
///
/// The minimizer solves `A β = Xᵀy/n`, `A = XᵀX/n + diag(α)`, by a Cholesky factorization of
/// the smaller of `A` (p×p, when `n ≥ p`) and the Woodbury matrix `nI + X diag(α)⁻¹ Xᵀ` (n×n,
/// when `n < p`) ([`Ridge::closed_form`], the `solve` of its map): `O(n·p·min(n, p))` time,
/// `O(min(n, p)²)` memory. The θ-independent Gram matrix (`XᵀX/n`, or `XXᵀ` for one penalty
/// when `n < p`) is formed once and kept.
///
/// **Implicit derivative.** Differentiating `Aβ = Xᵀy/n` in `θ_j = log α_j` gives
/// `A ∂β/∂θ_j = −α_j β_j e_j`, so `(∂β/∂θ)ᵀ g = −α ∘ β ∘ (A⁻¹g)` (summed over j for one
/// penalty): [`FixedPointMap::solution_vjp`] from the same factorization, kept between a
/// solve and the products at the same θ (the last factorization is cached; the model stays
/// `Sync`).
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
#[derive(Debug)]
pub struct Ridge {
    loss: LeastSquares,
    per_feature: bool,
    lipschitz: Vec<f64>,
    form: Form,
    /// The θ-independent Gram matrix, when the form has one (formed at the first solve).
    gram: OnceLock<Array2<f64>>,
    /// The factorization at the last θ (θ, system), shared by `solve` and `solution_vjp`.
    last: Mutex<Option<(Vec<f64>, Arc<RidgeSystem>)>>,
}

impl Clone for Ridge {
    /// A copy of the data and Gram matrix, with an empty factorization cache.
    fn clone(&self) -> Self {
        Self {
            loss: self.loss.clone(),
            per_feature: self.per_feature,
            lipschitz: self.lipschitz.clone(),
            form: self.form,
            gram: self.gram.clone(),
            last: Mutex::new(None),
        }
    }
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
        let form = Form::for_shape(loss.n_samples(), loss.n_features());
        Self {
            loss,
            per_feature,
            lipschitz,
            form,
            gram: OnceLock::new(),
            last: Mutex::new(None),
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
        Ok(self.system(theta)?.coefficients(&self.loss))
    }

    /// The factored system at θ: the cached one if θ is the last one factored.
    fn system(&self, theta: &[f64]) -> Result<Arc<RidgeSystem>, OptimError> {
        let alphas = self.alphas(theta)?;
        // A poisoned lock only means another thread panicked while holding a finished value.
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((cached, system)) = last.as_ref() {
            if cached.as_slice() == theta {
                return Ok(Arc::clone(system));
            }
        }
        let design = self.loss.design();
        let gram = match (self.form, self.per_feature) {
            (Form::Primal, _) => Some(self.gram.get_or_init(|| primal_gram(design))),
            (Form::Dual, false) => Some(
                self.gram
                    .get_or_init(|| dual_gram(design, &vec![1.0; self.loss.n_features()])),
            ),
            (Form::Dual, true) => None,
        };
        let system = Arc::new(RidgeSystem::factor(&self.loss, alphas, self.form, gram)?);
        *last = Some((theta.to_vec(), Arc::clone(&system)));
        Ok(system)
    }

    /// `‖∇P(β)‖₂ = ‖−Xᵀ(y − Xβ)/n + α ∘ β‖₂`, the residual of the normal equations.
    fn gradient_norm(&self, alphas: &[f64], beta: &[f64]) -> f64 {
        let mut gradient = vec![0.0; beta.len()];
        self.loss.gradient(beta, &mut gradient);
        gradient
            .iter()
            .zip(alphas.iter().zip(beta))
            .map(|(g, (a, b))| (g + a * b).powi(2))
            .sum::<f64>()
            .sqrt()
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
    /// The direct solve (exact up to rounding; `report.iterations = 0`, `report.residual` the
    /// norm of the gradient `‖∇P(β)‖₂` at the computed β, one extra pass over X).
    fn solve(
        &self,
        theta: &[f64],
        _warm_start: Option<&[f64]>,
        _params: &SolverParams,
    ) -> Result<Solution, OptimError> {
        let system = self.system(theta)?;
        let x = system.coefficients(&self.loss);
        let objective = self.value(theta, &x)?;
        let report = SolveReport {
            iterations: 0,
            residual: self.gradient_norm(system.alphas(), &x),
            duality_gap: None,
            objective,
            stop: StopReason::Converged,
            history: None,
            margin: None,
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
    /// `(∂β/∂θ)ᵀ g = −α ∘ β ∘ (A⁻¹g)` (summed over the features for one penalty), from the
    /// factorization of the last solve at the same θ (factored here otherwise). `x` is the
    /// solution at θ. Errors: θ invalid, `g` or `x` of the wrong length or non-finite, or the
    /// system not positive definite.
    fn solution_vjp(
        &self,
        x: &[f64],
        theta: &[f64],
        g: &[f64],
    ) -> Option<Result<Vec<f64>, OptimError>> {
        let vjp = || {
            let p = self.loss.n_features();
            check_vector("solution", x, p)?;
            check_vector("g", g, p)?;
            let system = self.system(theta)?;
            let inverse_g = system.solve(&self.loss, g);
            let per_feature = system
                .alphas()
                .iter()
                .zip(x.iter().zip(&inverse_g))
                .map(|(a, (b, v))| -a * b * v);
            Ok(if self.per_feature {
                per_feature.collect()
            } else {
                vec![per_feature.sum()]
            })
        };
        Some(vjp())
    }
}
