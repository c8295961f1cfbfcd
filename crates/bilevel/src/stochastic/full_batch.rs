//! [`FullBatch`]: a finite sum on all its samples, as an inner problem (a [`FixedPointMap`]
//! that every hypergradient method differentiates) and as an outer [`Criterion`]: the
//! full-batch baseline of the stochastic solvers, built from the same per-sample loss.

use super::finite_sum::{batch_mean, dim_z, FiniteSum};
use super::newton_cg;
use crate::Criterion;
use hypergrad_ad::{forward, reverse, Dual, DualVec, Scalar, Tape, Var};
use hypergrad_optim::{iterate_to_fixed_point, FixedPointMap, OptimError, Solution, SolverParams};
use std::sync::atomic::{AtomicUsize, Ordering};

/// `f(z, θ) = 1/n Σᵢ fᵢ(z, θ)` over every sample.
///
/// As an inner problem its map is the gradient step
///
/// `T(z, θ) = z − s·∇_z f(z, θ)`,   `s = 1/L(θ)`, `L` the sum's
/// [`curvature_bound`](FiniteSum::curvature_bound),
///
/// whose fixed point is the minimizer `z*(θ)` (for a strongly convex `f(·, θ)`) and where
/// `I − ∂_zT = s∇²_zz f` is symmetric positive definite (conjugate gradient applies). The step
/// is computed from θ's value and held constant in derivatives: exact at the fixed point,
/// where `∇_z f = 0`. [`solve`](FixedPointMap::solve) runs Newton–CG to `‖∇_z f‖ ≤ tol`.
///
/// `∇_z f` is computed for any scalar `S` as `Aᵀ[∇_u ℓ(uᵢ)]ᵢ/n + ∇_z R` with `U = AZ` (one
/// composite matrix–vector product per output on `S`, so a tape records the design once),
/// each `∇_u ℓ(uᵢ)` by forward mode over `S` (`K` predictors: one dual pass for `K = 1`) and
/// `∇_z R` by reverse mode on a small tape of `S`: the derivatives of the loss are never
/// written by hand. `S` may be `f64`, a dual number or a tape variable, but not a number
/// nested around a tape variable (`DualVec<Var>`, `Var<Var>`): on those, ad's matrix–vector
/// product loses the inner tape.
///
/// As a [`Criterion`], its value is `f(x, θ)` on the leading `dim z` entries.
///
/// Every pass over the samples (a value, a gradient, one application of `T` on any scalar)
/// adds `n` to [`samples`](Self::samples).
#[derive(Debug)]
pub struct FullBatch<'a, F: ?Sized> {
    problem: &'a F,
    all: Vec<usize>,
    samples: AtomicUsize,
}

impl<'a, F: FiniteSum + ?Sized> FullBatch<'a, F> {
    /// The full sum of `problem`.
    pub fn new(problem: &'a F) -> Self {
        Self {
            problem,
            all: (0..problem.n_samples()).collect(),
            samples: AtomicUsize::new(0),
        }
    }

    /// The finite sum.
    pub fn problem(&self) -> &'a F {
        self.problem
    }

    /// Samples evaluated so far (`n` per pass).
    pub fn samples(&self) -> usize {
        self.samples.load(Ordering::Relaxed)
    }

    fn count(&self) {
        self.samples
            .fetch_add(self.problem.n_samples(), Ordering::Relaxed);
    }

    /// `f(z, θ)`.
    pub fn value<S: Scalar>(&self, z: &[S], theta: &[S]) -> S {
        self.count();
        batch_mean(self.problem, &self.all, z, theta)
    }

    /// `∇_z f(z, θ)` into `out`, for any scalar (see the type's documentation).
    pub fn gradient<S: Scalar>(&self, z: &[S], theta: &[S], out: &mut [S]) {
        self.count();
        let f = self.problem;
        let a = f.features();
        let (n, d) = a.dim();
        let k = f.n_outputs();
        let mut columns: Vec<Vec<S>> = (0..k)
            .map(|c| {
                let mut u = vec![S::zero(); n];
                S::matvec(a, &z[c * d..(c + 1) * d], &mut u);
                u
            })
            .collect();
        let (mut u, mut g) = (vec![S::zero(); k], vec![S::zero(); k]);
        let inv_n = S::Real::from_f64(1.0 / n as f64);
        for i in 0..n {
            u.iter_mut()
                .zip(&columns)
                .for_each(|(ui, col)| *ui = col[i]);
            loss_gradient(f, i, &u, &theta[f.sample_theta(i)], &mut g);
            columns
                .iter_mut()
                .zip(&g)
                .for_each(|(col, gi)| col[i] = gi.scale(inv_n));
        }
        for (c, col) in columns.iter().enumerate() {
            S::rmatvec(a, col, &mut out[c * d..(c + 1) * d]);
        }
        let mut penalty = vec![S::zero(); z.len()];
        reverse::gradient_on(
            &mut Tape::new(),
            |z| f.penalty(z, &constants(theta)),
            z,
            &mut penalty,
        )
        .expect("a gradient buffer of z's length");
        out.iter_mut().zip(&penalty).for_each(|(o, r)| *o += *r);
    }
}

/// `∇_u ℓ(u; i, θᵢ)` into `g` by forward mode: one dual pass for one output, chunks of
/// [`forward::CHUNK`] lanes for more.
fn loss_gradient<F: FiniteSum + ?Sized, S: Scalar>(
    f: &F,
    i: usize,
    u: &[S],
    theta_i: &[S],
    g: &mut [S],
) {
    if let ([u], [g]) = (u, &mut *g) {
        let lifted: Vec<Dual<S>> = theta_i.iter().map(|&t| Dual::constant(t)).collect();
        *g = forward::derivative(|u| f.loss(i, &[u], &lifted), *u).1;
    } else {
        let lifted: Vec<DualVec<S, { forward::CHUNK }>> =
            theta_i.iter().map(|&t| DualVec::constant(t)).collect();
        g.copy_from_slice(&forward::gradient(|u| f.loss(i, u, &lifted), u).1);
    }
}

/// `values` as constants of a tape.
fn constants<'t, S: Scalar>(values: &[S]) -> Vec<Var<'t, S>> {
    values.iter().map(|&v| Var::constant(v)).collect()
}

impl<F: FiniteSum + ?Sized> FixedPointMap for FullBatch<'_, F> {
    fn dim_x(&self) -> usize {
        dim_z(self.problem)
    }
    fn dim_theta(&self) -> usize {
        self.problem.dim_theta()
    }
    fn apply<S: Scalar>(&self, z: &[S], theta: &[S], out: &mut [S]) {
        let values: Vec<f64> = theta.iter().map(Scalar::to_f64_value).collect();
        let step = S::Real::from_f64(1.0 / self.problem.curvature_bound(&values));
        self.gradient(z, theta, out);
        out.iter_mut()
            .zip(z)
            .for_each(|(o, &zi)| *o = zi - o.scale(step));
    }
    /// Newton–CG on `f(·, θ)` to `‖∇_z f‖ ≤ params.tol`.
    fn solve(
        &self,
        theta: &[f64],
        warm_start: Option<&[f64]>,
        params: &SolverParams,
    ) -> Result<Solution, OptimError> {
        newton_cg::solve(self, theta, warm_start, params)
    }
    /// The gradient steps from `start` that reach the same tolerance (Newton–CG does not
    /// iterate `T`).
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

impl<F: FiniteSum + ?Sized> Criterion for FullBatch<'_, F> {
    fn dim_x(&self) -> usize {
        dim_z(self.problem)
    }
    fn value<S: Scalar>(&self, x: &[S], theta: &[S]) -> S {
        FullBatch::value(self, x, theta)
    }
}
