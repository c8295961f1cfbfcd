//! [`MonteCarloSure`]: SURE with the Monte-Carlo divergence `⟨J_y μ̂ · z, z⟩` computed exactly.

use super::check_sigma;
use super::finite_difference::Perturbation;
use super::term::SureTerm;
use crate::linalg::norm;
use crate::outer::{combined_estimate, HyperEval, HyperObjective};
use crate::{hypergradient_warm, value_warm, BilevelError, Method, Options, WarmStart};
use hypergrad_optim::solvers::cg;
use hypergrad_optim::{ElasticNet, FixedPointMap, Lasso, LeastSquares, Ridge, WeightedLasso};

/// A least-squares model `1/(2n)‖y − Xβ‖² + Σ_j α_j|β_j| + ½Σ_j d_jβ_j²` whose fit is, on the
/// support `S` of its solution, affine in `y` with `∂β_S/∂y = (X_SᵀX_S/n + D_S)⁻¹X_Sᵀ/n`
/// (from the stationarity condition `X_Sᵀ(X_Sβ_S − y)/n + α_S∘sign(β_S) + D_Sβ_S = 0`).
pub trait LinearOnSupport: FixedPointMap {
    /// The data fit: design and targets.
    fn least_squares(&self) -> &LeastSquares;
    /// The ℓ2 weights `d_j` at `θ` and their derivatives: `(d, ∂d/∂θ_k for each k)`.
    fn ridge_weights(&self, theta: &[f64]) -> (Vec<f64>, Vec<Vec<f64>>);
}

macro_rules! no_ridge {
    ($($model:ty),*) => {$(
        impl LinearOnSupport for $model {
            fn least_squares(&self) -> &LeastSquares {
                self.loss()
            }
            fn ridge_weights(&self, theta: &[f64]) -> (Vec<f64>, Vec<Vec<f64>>) {
                let p = self.loss().n_features();
                (vec![0.0; p], vec![vec![0.0; p]; theta.len()])
            }
        }
    )*};
}
no_ridge!(Lasso, WeightedLasso);

impl LinearOnSupport for ElasticNet {
    fn least_squares(&self) -> &LeastSquares {
        self.loss()
    }
    /// `d_j = α₂ = e^{θ₁}`: `∂d/∂θ₀ = 0`, `∂d/∂θ₁ = α₂`; with a fixed ratio r,
    /// `d_j = (1 − r)e^{θ₀}`: `∂d/∂θ₀ = d_j`.
    fn ridge_weights(&self, theta: &[f64]) -> (Vec<f64>, Vec<Vec<f64>>) {
        let p = self.loss().n_features();
        match self.l1_ratio() {
            None => {
                let a2 = theta[1].exp();
                (vec![a2; p], vec![vec![0.0; p], vec![a2; p]])
            }
            Some(r) => {
                let d = (1.0 - r) * theta[0].exp();
                (vec![d; p], vec![vec![d; p]])
            }
        }
    }
}

impl LinearOnSupport for Ridge {
    fn least_squares(&self) -> &LeastSquares {
        self.loss()
    }
    /// One `α = e^{θ₀}` for all features, or `d_j = e^{θ_j}` per feature.
    fn ridge_weights(&self, theta: &[f64]) -> (Vec<f64>, Vec<Vec<f64>>) {
        let p = self.loss().n_features();
        if theta.len() == 1 {
            let a = theta[0].exp();
            return (vec![a; p], vec![vec![a; p]]);
        }
        let d: Vec<f64> = theta.iter().map(|t| t.exp()).collect();
        let dd = (0..theta.len())
            .map(|k| (0..p).map(|j| if j == k { d[j] } else { 0.0 }).collect())
            .collect();
        (d, dd)
    }
}

/// Monte-Carlo SURE (Ramani et al. 2008) with the exact Jacobian in `y`:
///
/// `SURE_MC(λ) = ‖y − Xβ̂‖² − nσ² + 2σ²·df_MC`, `df_MC = ⟨X_S u, z⟩`,
/// `(X_SᵀX_S/n + D_S) u = X_Sᵀz/n` (solved by conjugate gradient on the support),
///
/// an unbiased estimate of the degrees of freedom for `z ~ N(0, Iₙ)`. Its hypergradient: the
/// residual part by any [`Method`]; `df_MC` is piecewise constant in the ℓ1 weights (the support
/// is) and `∂df_MC/∂d_j = −n u_j²` for the ℓ2 weights, chained with `∂d/∂λ`.
pub struct MonteCarloSure<P> {
    problem: P,
    residual: SureTerm,
    z: Vec<f64>,
    sigma: f64,
    warm: WarmStart,
    method: Method,
    options: Options,
}

impl<P: LinearOnSupport> MonteCarloSure<P> {
    /// MC-SURE of `problem` (fitted on its own `y`) with noise level `σ > 0`, along the
    /// direction `perturbation.z` (its step is not used).
    pub fn new(
        problem: P,
        sigma: f64,
        perturbation: &Perturbation,
        method: Method,
        options: Options,
    ) -> Result<Self, BilevelError> {
        let sigma = check_sigma(sigma)?;
        let fit = problem.least_squares().clone();
        let n = fit.n_samples();
        if perturbation.z.len() != n {
            return Err(BilevelError::ShapeMismatch {
                what: "perturbation direction z",
                expected: n,
                got: perturbation.z.len(),
            });
        }
        let p = fit.n_features();
        Ok(Self {
            residual: SureTerm::residual(vec![fit], vec![0.0; p], -(n as f64) * sigma * sigma),
            problem,
            z: perturbation.z.clone(),
            sigma,
            warm: WarmStart::default(),
            method,
            options,
        })
    }

    /// `df_MC` at the solution `x` for hyperparameters `θ`, and `∂df_MC/∂θ`.
    pub fn degrees_of_freedom(
        &self,
        x: &[f64],
        theta: &[f64],
    ) -> Result<(f64, Vec<f64>), BilevelError> {
        let fit = self.problem.least_squares();
        let (design, n) = (fit.design(), fit.n_samples());
        let support = self
            .problem
            .support(x)
            .unwrap_or_else(|| (0..x.len()).collect());
        let (d, dd) = self.problem.ridge_weights(theta);
        if support.is_empty() {
            return Ok((0.0, vec![0.0; dd.len()]));
        }
        let rhs: Vec<f64> = support
            .iter()
            .map(|&j| design.col_dot(j, &self.z) / n as f64)
            .collect();
        let mut wide = vec![0.0; n];
        let gram = |v: &[f64], out: &mut [f64]| {
            wide.iter_mut().for_each(|w| *w = 0.0);
            support
                .iter()
                .zip(v)
                .for_each(|(&j, &vj)| design.col_axpy(j, vj, &mut wide));
            for (o, (&j, &vj)) in out.iter_mut().zip(support.iter().zip(v)) {
                *o = design.col_dot(j, &wide) / n as f64 + d[j] * vj;
            }
        };
        let tol = self.options.jacobian_tol;
        let (u, report) = cg(
            gram,
            &rhs,
            None,
            tol,
            self.options.jacobian_max_iter.max(support.len()),
        )?;
        if !report.converged() {
            return Err(BilevelError::NotConverged {
                what: "conjugate gradient on X_SᵀX_S/n + D_S (MC-SURE degrees of freedom)",
                residual: report.relative_residual,
            });
        }
        let df = n as f64 * u.iter().zip(&rhs).map(|(a, b)| a * b).sum::<f64>();
        let grad = dd
            .iter()
            .map(|ddk| {
                -(n as f64)
                    * support
                        .iter()
                        .zip(&u)
                        .map(|(&j, uj)| uj * uj * ddk[j])
                        .sum::<f64>()
            })
            .collect();
        Ok((df, grad))
    }

    /// Value and gradient, or (`with_gradient = false`) the value.
    fn run(
        &mut self,
        log_alpha: &[f64],
        inner_tol: f64,
        with_gradient: bool,
    ) -> Result<HyperEval, BilevelError> {
        let options = self.options.with_inner_tol(inner_tol);
        let (problem, residual, warm) = (&self.problem, &self.residual, &mut self.warm);
        let (part, x) = if with_gradient {
            let h = hypergradient_warm(problem, residual, log_alpha, &self.method, &options, warm)?;
            let part = HyperEval {
                value: h.value,
                grad: h.grad,
                inner_iterations: h.diagnostics.inner.iterations,
                error_estimate: Some(h.diagnostics.error_estimate),
                warnings: h.diagnostics.warnings,
            };
            (part, h.x)
        } else {
            let (value, solution) = value_warm(problem, residual, log_alpha, &options, warm)?;
            let part = HyperEval {
                value,
                inner_iterations: solution.report.iterations,
                ..HyperEval::default()
            };
            (part, solution.x)
        };
        let (df, ddf) = self.degrees_of_freedom(&x, log_alpha)?;
        let s2 = 2.0 * self.sigma * self.sigma;
        let grad: Vec<f64> = part
            .grad
            .iter()
            .zip(&ddf)
            .map(|(g, d)| g + s2 * d)
            .collect();
        // The degrees of freedom are solved to the Jacobian tolerance: their part is the
        // residual's estimate plus that tolerance.
        let error_estimate = combined_estimate([(1.0, &part)], &grad).map(|e| {
            e + self.options.jacobian_tol * s2 * norm(&ddf) / norm(&grad).max(f64::MIN_POSITIVE)
        });
        Ok(HyperEval {
            value: part.value + s2 * df,
            grad,
            inner_iterations: part.inner_iterations,
            error_estimate: error_estimate.filter(|_| with_gradient),
            warnings: part.warnings,
        })
    }
}

impl<P: LinearOnSupport> HyperObjective for MonteCarloSure<P> {
    fn dim(&self) -> usize {
        self.problem.dim_theta()
    }
    fn evaluate(&mut self, log_alpha: &[f64], inner_tol: f64) -> Result<HyperEval, BilevelError> {
        self.run(log_alpha, inner_tol, true)
    }
    /// The value only: the solve, the criterion and the degrees of freedom.
    fn value(&mut self, log_alpha: &[f64], inner_tol: f64) -> Result<HyperEval, BilevelError> {
        self.run(log_alpha, inner_tol, false)
    }
}
