//! Chambolle–Pock primal–dual for total-variation denoising and deblurring of 1-D signals and
//! 2-D images:
//!
//! `min_x ½‖Kx − y‖² + λ·TV(x)`, `λ = exp(θ₀)`, `TV(x) = Σₖ |(Dx)ₖ|₁` (anisotropic) or
//! `Σₖ ‖(Dx)ₖ‖₂` (isotropic), `D` forward differences, `K` the identity (denoising) or a
//! convolution (deblurring).
//!
//! Written as `min_x G(x) + F(Ax)` and iterated on the state `z = (x, p[, q])`:
//!
//! `x⁺ = prox_{τG}(x − τAᵀ(p, q))`, `x̄ = 2x⁺ − x`, `(p, q)⁺ = prox_{σF*}((p, q) + σAx̄)`,
//!
//! converging for `τσ‖A‖² < 1`. Denoising: `A = D`, `G = ½‖· − y‖²` (prox `(v + τy)/(1 + τ)`),
//! `F = λ·TV` (prox of `F*`: projection of each `pₖ` on the λ-ball of `|·|∞` or `‖·‖₂`).
//! Deblurring: `A = [D; K]`, `G = 0`, `F(u, w) = λ·TV-norm(u) + ½‖w − y‖²`
//! (prox of its conjugate in `q`: `(v − σy)/(1 + σ)`).

use super::progress::{check_vector, distance, initial_point, positive, validate_params, Progress};
use crate::tv::{Grid, Kernel};
use crate::{FixedPointMap, OptimError, Solution, SolverParams};
use hypergrad_ad::nonsmooth::{project_box, project_l2_ball};
use hypergrad_ad::Scalar;

/// Which total variation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TvNorm {
    /// `Σ |∂ₕx| + |∂ᵥx|`.
    Anisotropic,
    /// `Σ √((∂ₕx)² + (∂ᵥx)²)`.
    Isotropic,
}

/// A TV denoising (`kernel = None`) or deblurring problem with observation `y` on `grid`.
#[derive(Clone, Debug)]
pub struct TvProblem {
    grid: Grid,
    y: Vec<f64>,
    kernel: Option<Kernel>,
    norm: TvNorm,
}

impl TvProblem {
    /// Checks `y` (finite, `grid.len()` pixels, non-empty).
    pub fn new(
        grid: Grid,
        y: Vec<f64>,
        kernel: Option<Kernel>,
        norm: TvNorm,
    ) -> Result<Self, OptimError> {
        if grid.is_empty() {
            return Err(OptimError::EmptyData { what: "y" });
        }
        check_vector("y", &y, grid.len())?;
        Ok(Self {
            grid,
            y,
            kernel,
            norm,
        })
    }

    /// The grid.
    pub fn grid(&self) -> Grid {
        self.grid
    }

    /// The observation `y`.
    pub fn y(&self) -> &[f64] {
        &self.y
    }

    /// The blur kernel (`None` for denoising).
    pub fn kernel(&self) -> Option<&Kernel> {
        self.kernel.as_ref()
    }

    /// Size of the state `(x, p[, q])`: `3n` for denoising, `4n` for deblurring.
    pub fn state_len(&self) -> usize {
        self.grid.len() * if self.kernel.is_some() { 4 } else { 3 }
    }

    /// The primal objective `½‖Kx − y‖² + λ·TV(x)`.
    pub fn objective(&self, x: &[f64], lambda: f64) -> f64 {
        let n = self.grid.len();
        let mut kx = x.to_vec();
        if let Some(k) = &self.kernel {
            k.apply(self.grid, x, false, &mut kx);
        }
        let fit: f64 = kx
            .iter()
            .zip(&self.y)
            .map(|(a, b)| 0.5 * (a - b) * (a - b))
            .sum();
        let mut dx = vec![0.0; 2 * n];
        self.grid.gradient(x, &mut dx);
        let tv: f64 = (0..n)
            .map(|k| match self.norm {
                TvNorm::Anisotropic => dx[k].abs() + dx[n + k].abs(),
                TvNorm::Isotropic => dx[k].hypot(dx[n + k]),
            })
            .sum();
        fit + lambda * tv
    }

    /// Denoising duality gap `P(x) − D(p)`, `D(p) = ½‖y‖² − ½‖y − Dᵀp‖²` for a feasible `p`
    /// (`None` for deblurring, whose dual constraint `Dᵀp + Kᵀq = 0` holds only in the limit).
    pub fn duality_gap(&self, state: &[f64], lambda: f64) -> Option<f64> {
        if self.kernel.is_some() {
            return None;
        }
        let n = self.grid.len();
        let mut dtp = vec![0.0; n];
        self.grid.gradient_adjoint(&state[n..3 * n], &mut dtp);
        let dual: f64 = self
            .y
            .iter()
            .zip(&dtp)
            .map(|(yi, di)| 0.5 * yi * yi - 0.5 * (yi - di) * (yi - di))
            .sum();
        Some(self.objective(&state[..n], lambda) - dual)
    }

    /// `‖A‖² ≤ ‖D‖² + ‖K‖²` bound used for the default steps.
    fn operator_norm_sq_bound(&self) -> f64 {
        let k = self.kernel.as_ref().map_or(0.0, |k| k.norm_bound().powi(2));
        self.grid.gradient_norm_sq_bound() + k
    }
}

/// Chambolle–Pock with steps `τ, σ` (default `τ = σ = 0.99/‖A‖` from a bound on `‖A‖`).
/// Stops when the state residual `‖z_{k+1} − z_k‖₂ ≤ tol`; reports the duality gap for
/// denoising. [`ChambollePock::solve`] takes and returns the primal image; the map's
/// [`FixedPointMap::solve`] takes and returns the whole state `(x, p[, q])`, which its
/// hypergradients need.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ChambollePock {
    /// Primal and dual steps `(τ, σ)`; `None` for the default.
    pub steps: Option<(f64, f64)>,
}

/// One Chambolle–Pock iteration on `z = (x, p[, q])` as a [`FixedPointMap`] with `θ = [ln λ]`
/// (it owns its problem, so a model built from data — FDMC-SURE builds two — can be handed
/// around).
#[derive(Clone, Debug)]
pub struct ChambollePockStep {
    /// The problem.
    pub problem: TvProblem,
    /// Primal step τ.
    pub tau: f64,
    /// Dual step σ.
    pub sigma: f64,
}

impl ChambollePockStep {
    /// `out = T(z)` for `λ = exp(θ₀)`, written once for every scalar.
    fn iterate<S: Scalar>(&self, z: &[S], lambda: S, out: &mut [S]) {
        let pb = &self.problem;
        let n = pb.grid.len();
        let (tau, sigma) = (S::from_f64(self.tau), S::from_f64(self.sigma));
        let (x, duals) = z.split_at(n);
        let (p, q) = duals.split_at(2 * n);
        let (x_new, dual_new) = out.split_at_mut(n);
        let (p_new, q_new) = dual_new.split_at_mut(2 * n);
        // Primal: x⁺ = prox_{τG}(x − τ(Dᵀp + Kᵀq)).
        let mut at = vec![S::zero(); n];
        pb.grid.gradient_adjoint(p, &mut at);
        let mut ktq = vec![S::zero(); n];
        if let Some(k) = &pb.kernel {
            k.apply(pb.grid, q, true, &mut ktq);
        }
        for i in 0..n {
            let v = x[i] - tau * (at[i] + ktq[i]);
            x_new[i] = match pb.kernel {
                None => (v + tau * pb.y[i]) / (S::one() + tau),
                Some(_) => v,
            };
        }
        let xbar: Vec<S> = x_new.iter().zip(x).map(|(&a, &b)| a + a - b).collect();
        // Dual p: projection of p + σDx̄ on the λ-ball of the TV dual norm.
        let mut dx = vec![S::zero(); 2 * n];
        pb.grid.gradient(&xbar, &mut dx);
        let v: Vec<S> = p.iter().zip(&dx).map(|(&a, &b)| a + sigma * b).collect();
        match pb.norm {
            TvNorm::Anisotropic => project_box(&v, -lambda, lambda, p_new),
            TvNorm::Isotropic => {
                let mut pair = [S::zero(); 2];
                for k in 0..n {
                    project_l2_ball(&[v[k], v[n + k]], lambda, &mut pair);
                    p_new[k] = pair[0];
                    p_new[n + k] = pair[1];
                }
            }
        }
        // Dual q (deblurring): (q + σKx̄ − σy)/(1 + σ).
        if let Some(k) = &pb.kernel {
            k.apply(pb.grid, &xbar, false, q_new);
            for i in 0..n {
                q_new[i] = (q[i] + sigma * (q_new[i] - pb.y[i])) / (S::one() + sigma);
            }
        }
    }
}

impl FixedPointMap for ChambollePockStep {
    fn dim_x(&self) -> usize {
        self.problem.state_len()
    }
    fn dim_theta(&self) -> usize {
        1
    }
    fn apply<S: Scalar>(&self, z: &[S], theta: &[S], out: &mut [S]) {
        self.iterate(z, theta[0].exp(), out);
    }
    /// Iterates from the state `warm_start` (or 0); the report carries the duality gap
    /// (denoising) and the objective.
    fn solve(
        &self,
        theta: &[f64],
        warm_start: Option<&[f64]>,
        params: &SolverParams,
    ) -> Result<Solution, OptimError> {
        validate_params(params)?;
        check_vector("theta", theta, 1)?;
        let z = initial_point(warm_start, self.problem.state_len())?;
        Ok(self.iterate_to_tolerance(z, theta[0].exp(), params))
    }
}

impl ChambollePockStep {
    /// Iterates `T` from the state `z` until `‖z_{k+1} − z_k‖₂ ≤ tol` or the cap.
    fn iterate_to_tolerance(
        &self,
        mut z: Vec<f64>,
        lambda: f64,
        params: &SolverParams,
    ) -> Solution {
        let problem = &self.problem;
        let n = problem.grid.len();
        let mut next = z.clone();
        let mut progress = Progress::new(params);
        let (mut residual, mut stop) = (f64::INFINITY, None);
        while stop.is_none() && progress.has_budget() {
            self.iterate(&z, lambda, &mut next);
            residual = distance(&next, &z);
            std::mem::swap(&mut z, &mut next);
            stop = progress.step(residual, || problem.objective(&z[..n], lambda));
        }
        let gap = problem.duality_gap(&z, lambda);
        let value = problem.objective(&z[..n], lambda);
        let mut sol = progress.finish(z, value, residual, stop);
        sol.report.duality_gap = gap;
        sol
    }
}

impl ChambollePock {
    /// The iteration map for (a copy of) `problem` with this solver's steps (validated).
    pub fn map(&self, problem: &TvProblem) -> Result<ChambollePockStep, OptimError> {
        let (tau, sigma) = match self.steps {
            Some((t, s)) => {
                positive("tau", t)?;
                positive("sigma", s)?;
                (t, s)
            }
            None => {
                let s = 0.99 / problem.operator_norm_sq_bound().sqrt();
                (s, s)
            }
        };
        Ok(ChambollePockStep {
            problem: problem.clone(),
            tau,
            sigma,
        })
    }

    /// Solves the TV problem for `θ = [ln λ]` from the primal warm start `x0` (zeros if `None`).
    pub fn solve(
        &self,
        problem: &TvProblem,
        theta: &[f64],
        x0: Option<&[f64]>,
        params: &SolverParams,
    ) -> Result<Solution, OptimError> {
        validate_params(params)?;
        check_vector("theta", theta, 1)?;
        let map = self.map(problem)?;
        let n = problem.grid.len();
        let mut z = vec![0.0; problem.state_len()];
        z[..n].copy_from_slice(&initial_point(x0, n)?);
        let mut sol = map.iterate_to_tolerance(z, theta[0].exp(), params);
        sol.x.truncate(n);
        Ok(sol)
    }
}
