//! Newton's method with Armijo line search for smooth objectives:
//! `x_{k+1} = x_k + s_k d_k`, `∇²f(x_k, θ) d_k = −∇f(x_k, θ)`.
//!
//! The Newton system is solved by a dense Cholesky factorisation of the Hessian assembled from
//! `n` Hessian-vector products (small `n`), or matrix-free by [`cg`] (large `n`).

use super::conjugate_gradient::cg;
use super::gradient_descent::smooth_setup;
use super::line_search::Armijo;
use super::progress::{dot, norm, positive, Progress};
use crate::{FixedPointMap, Objective, OptimError, Solution, SolverParams, StopReason};
use hypergrad_ad::Scalar;

/// How the Newton system `H d = −g` is solved.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NewtonSystem {
    /// Dense Cholesky of the assembled Hessian (n hvps + O(n³)).
    Cholesky,
    /// Matrix-free conjugate gradient to relative residual `tol`, at most `max_iter` hvps.
    Cg {
        /// Relative residual of the inner solve.
        tol: f64,
        /// Cap on inner iterations.
        max_iter: usize,
    },
}

/// Damped Newton. Stops when `‖∇f(x_k, θ)‖₂ ≤ tol` (the report's `residual`). Where the Newton
/// direction is unavailable (Hessian not positive definite) or not a descent direction, the
/// step falls back to `−∇f`; a line search that finds no decrease stops with
/// [`StopReason::Diverged`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Newton {
    /// The line search (its first trial step should be 1, the Newton step).
    pub line_search: Armijo,
    /// The linear solver.
    pub system: NewtonSystem,
}

impl Default for Newton {
    fn default() -> Self {
        Self {
            line_search: Armijo::default(),
            system: NewtonSystem::Cholesky,
        }
    }
}

/// Solves `A x = b` in place (`b ← x`) for an SPD `n×n` row-major `A` (overwritten by its
/// Cholesky factor `L`, `A = LLᵀ`); returns `false`, leaving `b` unspecified, if a pivot is not
/// positive (A not positive definite).
pub(crate) fn cholesky_solve<S: Scalar>(a: &mut [S], n: usize, b: &mut [S]) -> bool {
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        if d.to_f64_value() <= 0.0 || d.is_nan() {
            return false;
        }
        let d = d.sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / d;
        }
    }
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= a[i * n + k] * b[k];
        }
        b[i] = s / a[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= a[k * n + i] * b[k];
        }
        b[i] = s / a[i * n + i];
    }
    true
}

/// Assembles the dense `n×n` Hessian row by row from `n` products `hvp(eⱼ, row j)` (the
/// Hessian is symmetric, so column j is row j).
fn dense_hessian<S: Scalar>(n: usize, mut hvp: impl FnMut(&[S], &mut [S])) -> Vec<S> {
    let mut h = vec![S::zero(); n * n];
    let mut e = vec![S::zero(); n];
    for j in 0..n {
        e[j] = S::one();
        hvp(&e, &mut h[j * n..(j + 1) * n]);
        e[j] = S::zero();
    }
    h
}

impl Newton {
    /// Minimises `f(·, θ)` from the warm start `x0` (zeros if `None`).
    pub fn solve<O: Objective>(
        &self,
        objective: &O,
        theta: &[f64],
        x0: Option<&[f64]>,
        params: &SolverParams,
    ) -> Result<Solution, OptimError> {
        self.line_search.validate()?;
        if let NewtonSystem::Cg { tol, .. } = self.system {
            positive("newton.cg_tol", tol)?;
        }
        let mut x = smooth_setup(objective, theta, x0, params)?;
        let n = x.len();
        let (mut g, mut d, mut next) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        let f = |z: &[f64]| objective.value_f64(z, theta);
        let mut fx = f(&x);
        objective.gradient_f64(&x, theta, &mut g);
        let mut gnorm = norm(&g);
        let mut progress = Progress::new(params);
        let mut stop = (gnorm <= params.tol).then_some(StopReason::Converged);
        while stop.is_none() && progress.has_budget() {
            let solved = self.direction(objective, &x, theta, &g, &mut d);
            let mut slope = dot(&g, &d);
            if !solved || slope >= 0.0 || slope.is_nan() {
                d.iter_mut().zip(&g).for_each(|(di, gi)| *di = -gi);
                slope = -gnorm * gnorm;
            }
            match self.line_search.search(f, &x, &d, fx, slope, &mut next) {
                Some((_, ft)) => fx = ft,
                None => {
                    stop = Some(StopReason::Diverged);
                    break;
                }
            }
            std::mem::swap(&mut x, &mut next);
            objective.gradient_f64(&x, theta, &mut g);
            gnorm = norm(&g);
            stop = progress.step(gnorm, || fx);
        }
        Ok(progress.finish(x, fx, gnorm, stop))
    }

    /// Writes the Newton direction `−H⁻¹g` into `d`; `false` if the system could not be solved.
    fn direction<O: Objective>(
        &self,
        objective: &O,
        x: &[f64],
        theta: &[f64],
        g: &[f64],
        d: &mut [f64],
    ) -> bool {
        let minus_g: Vec<f64> = g.iter().map(|v| -v).collect();
        match self.system {
            NewtonSystem::Cholesky => {
                let n = x.len();
                let mut h = dense_hessian(n, |v, out| objective.hvp_f64(x, theta, v, out));
                d.copy_from_slice(&minus_g);
                cholesky_solve(&mut h, n, d)
            }
            NewtonSystem::Cg { tol, max_iter } => {
                let hv = |v: &[f64], out: &mut [f64]| objective.hvp_f64(x, theta, v, out);
                match cg(hv, &minus_g, None, tol, max_iter) {
                    // A capped inner solve still gives a usable (truncated Newton) direction.
                    Ok((sol, report)) if report.stop != StopReason::Diverged => {
                        d.copy_from_slice(&sol);
                        true
                    }
                    _ => false,
                }
            }
        }
    }
}

/// The undamped Newton map `T(x, θ) = x − ∇²ₓₓf(x, θ)⁻¹ ∇ₓf(x, θ)`, generic over the scalar,
/// with the Hessian a function of θ (assembled from generic hvps, solved by Cholesky): the map
/// of one-step differentiation. Its fixed points are the stationary points of `f(·, θ)`.
/// Defined where the Hessian is positive definite; elsewhere `out` is filled with NaN.
#[derive(Clone, Copy, Debug)]
pub struct NewtonStep<'a, O> {
    /// The objective.
    pub objective: &'a O,
}

impl<O: Objective> FixedPointMap for NewtonStep<'_, O> {
    fn dim_x(&self) -> usize {
        self.objective.dim()
    }
    fn dim_theta(&self) -> usize {
        self.objective.dim_theta()
    }
    fn apply<S: Scalar>(&self, x: &[S], theta: &[S], out: &mut [S]) {
        let mut h = dense_hessian(x.len(), |v, o| self.objective.hvp(x, theta, v, o));
        self.objective.gradient(x, theta, out);
        if cholesky_solve(&mut h, x.len(), out) {
            for (o, &xi) in out.iter_mut().zip(x) {
                *o = xi - *o;
            }
        } else {
            out.iter_mut().for_each(|o| *o = S::nan());
        }
    }
    /// Damped [`Newton`] with its default line search and Cholesky systems.
    fn solve(
        &self,
        theta: &[f64],
        warm_start: Option<&[f64]>,
        params: &SolverParams,
    ) -> Result<Solution, OptimError> {
        Newton::default().solve(self.objective, theta, warm_start, params)
    }
}
