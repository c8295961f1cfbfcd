//! The optimality system of `P(β) = 1/(2n)‖y − Xβ‖² + Σ_j a_j|β_j| + b/2 ‖β‖²` on the support
//! `S` of a solution, solved directly: the Lasso family's [`solution_vjp`] and
//! [`refined_solution`].
//!
//! With the signs `s = sign(β_S)` fixed, the optimality conditions on `S` are linear:
//! `H β_S = X_Sᵀy/n − a_S ∘ s`, `H = X_SᵀX_S/n + b I` (and `β = 0` off `S`). Differentiating
//! in `θ_i` gives `H ∂β_S/∂θ_i = −(∂a_S/∂θ_i ∘ s + ∂b/∂θ_i β_S)`, so for `g` and `v = H⁻¹g_S`
//!
//! `(∂β/∂θ)ᵀg = −Σ_{j∈S} s_j v_j ∇_θ a_j − (β_Sᵀv) ∇_θ b`,
//!
//! one Cholesky factorization of the |S|×|S| matrix `H` (`O(n̄·|S|²)` for its Gram part, `n̄` the
//! non-zeros of a column) instead of iterations of the sweep's Jacobian (`O(n̄·|S|)` each).
//! It is the derivative of the solution where the support and signs of `β` are those of `β*`
//! (identified) and `H` is positive definite; the hypergradient methods check the first (the
//! non-degeneracy margin) and estimate the effect of `β ≠ β*` at the point `β'` the same system
//! gives, exact when the support is identified.
//!
//! [`solution_vjp`]: crate::FixedPointMap::solution_vjp
//! [`refined_solution`]: crate::FixedPointMap::refined_solution

use super::cholesky::Cholesky;
use crate::loss::LeastSquares;
use ndarray::Array2;
use std::sync::{Arc, Mutex};

/// Largest support solved directly. Forming `H` costs `|S|²/2` column products where an
/// iterative solve costs a few `|S|` per iteration: at about 20 iterations (warm Neumann to a
/// relative residual of 1e-8 on the benchmark cases) the direct solve stops paying beyond
/// ~100–200 coordinates.
pub(crate) const MAX_DIRECT_SUPPORT: usize = 128;

/// Largest (estimated) condition number of `H` solved directly: with one step of iterative
/// refinement the solve's relative error is then about `(κε)² ≲ 1e-16`, rounding.
pub(crate) const MAX_CONDITION: f64 = 1e8;

/// `H = X_SᵀX_S/n + b I` factored, with its support.
#[derive(Debug)]
pub(crate) struct SupportSystem {
    /// `S`, in increasing order.
    pub(crate) support: Vec<usize>,
    /// `b`.
    l2: f64,
    /// `H` itself, for the residual of iterative refinement.
    matrix: Array2<f64>,
    factor: Cholesky,
}

impl SupportSystem {
    /// The system on `support` with ridge weight `b`; `None` when the support is empty, larger
    /// than [`MAX_DIRECT_SUPPORT`], `H` is not numerically positive definite (collinear columns
    /// in the support and `b = 0`: the solution is then not unique), or its condition number
    /// is above [`MAX_CONDITION`] (the iterative methods then run, with error estimates that
    /// account for it).
    fn new(loss: &LeastSquares, b: f64, support: Vec<usize>) -> Option<Self> {
        if support.is_empty() || support.len() > MAX_DIRECT_SUPPORT {
            return None;
        }
        let design = loss.design();
        let (n, k) = (loss.n_samples(), support.len());
        let inv_n = 1.0 / n as f64;
        let mut h = Array2::zeros((k, k));
        let mut column = vec![0.0; n];
        for (c, &jc) in support.iter().enumerate() {
            column.iter_mut().for_each(|v| *v = 0.0);
            design.col_axpy(jc, 1.0, &mut column);
            for (r, &jr) in support.iter().enumerate().take(c + 1) {
                let entry = design.col_dot(jr, &column) * inv_n;
                h[[r, c]] = entry;
                h[[c, r]] = entry;
            }
            h[[c, c]] += b;
        }
        let factor = Cholesky::factor(h.clone()).ok()?;
        if factor.condition_lower_bound() > MAX_CONDITION {
            return None;
        }
        Some(Self {
            support,
            l2: b,
            matrix: h,
            factor,
        })
    }

    /// `H⁻¹b` by the factorization and one step of iterative refinement (`x += H⁻¹(b − Hx)`).
    fn solve_refined(&self, b: Vec<f64>) -> Vec<f64> {
        let mut x = b.clone();
        self.factor.solve_in_place(&mut x);
        let mut residual = b;
        residual
            .iter_mut()
            .zip(self.matrix.rows())
            .for_each(|(r, row)| *r -= row.iter().zip(&x).map(|(h, x)| h * x).sum::<f64>());
        self.factor.solve_in_place(&mut residual);
        x.iter_mut().zip(&residual).for_each(|(x, d)| *x += d);
        x
    }

    /// `s_j = sign(β_j)`, `j ∈ S`.
    pub(crate) fn signs(&self, beta: &[f64]) -> Vec<f64> {
        self.support.iter().map(|&j| beta[j].signum()).collect()
    }

    /// `v = H⁻¹ g_S` (`g` of length p).
    pub(crate) fn solve(&self, g: &[f64]) -> Vec<f64> {
        self.solve_refined(self.support.iter().map(|&j| g[j]).collect())
    }

    /// `β'`: `β'_S = H⁻¹(X_Sᵀy/n − a_S ∘ s)`, 0 off `S`, for the signs `s` of `beta` — the
    /// solution of the problem if `S` and `s` are those of `β*`.
    pub(crate) fn refined(
        &self,
        loss: &LeastSquares,
        l1: impl Fn(usize) -> f64,
        beta: &[f64],
    ) -> Vec<f64> {
        let design = loss.design();
        let inv_n = 1.0 / loss.n_samples() as f64;
        let rhs = self.solve_refined(
            self.support
                .iter()
                .zip(self.signs(beta))
                .map(|(&j, s)| design.col_dot(j, loss.y()) * inv_n - l1(j) * s)
                .collect(),
        );
        let mut refined = vec![0.0; design.n_features()];
        self.support
            .iter()
            .zip(&rhs)
            .for_each(|(&j, v)| refined[j] = *v);
        refined
    }
}

/// The last [`SupportSystem`] factored, reused while the support and `b` stay the same: a
/// hypergradient evaluates the derivative at the solution and again at its refined point, on
/// one support. Behind a `Mutex`, so that a model stays `Sync`; a clone starts empty.
#[derive(Debug, Default)]
pub(crate) struct SupportSystems(Mutex<Option<Arc<SupportSystem>>>);

impl Clone for SupportSystems {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl SupportSystems {
    /// The system on the support of `beta` with ridge weight `b` (see [`SupportSystem`] for
    /// when there is none).
    pub(crate) fn get(
        &self,
        loss: &LeastSquares,
        b: f64,
        beta: &[f64],
    ) -> Option<Arc<SupportSystem>> {
        let support = super::sparse::nonzeros(beta);
        // A poisoned lock only means another thread panicked while holding a finished value.
        let mut last = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(system) = last.as_ref() {
            if system.support == support && system.l2 == b {
                return Some(Arc::clone(system));
            }
        }
        let system = Arc::new(SupportSystem::new(loss, b, support)?);
        *last = Some(Arc::clone(&system));
        Some(system)
    }
}
