//! [`InnerProblem`]: a fixed-point map with a fast solver, and what the methods may ask of it.

use crate::BilevelError;
use hypergrad_optim::{
    CoordinateDescent, CoordinateDescentModel, ElasticNet, FixedPointMap, Lasso, Solution,
    SolverParams, SparseLogistic, WeightedLasso,
};

/// An inner problem `x*(θ)`: the update `T` of its solver ([`FixedPointMap`], which every
/// method differentiates) and a fast `f64` solve to the fixed point.
///
/// Prox-based models also give the support of a solution and the non-degeneracy margin
/// `min_{j ∉ S} (α_j − |∇_j f(x*)|)`: the support-restricted methods are valid when it is
/// positive. A user's own solver implements `solve` (for example by iterating `apply`).
pub trait InnerProblem: FixedPointMap {
    /// Solves at hyperparameters `θ` (log scale) from `warm_start` (or 0) to tolerance `tol`.
    fn solve(
        &mut self,
        theta: &[f64],
        warm_start: Option<&[f64]>,
        tol: f64,
        max_iter: usize,
    ) -> Result<Solution, BilevelError>;

    /// The indices where `x` is non-zero, for models whose solutions are sparse; `None` for
    /// smooth models, which have no support to restrict to.
    fn support(&self, _x: &[f64]) -> Option<Vec<usize>> {
        None
    }

    /// `min_{j ∉ S} (α_j − |∇_j f(x)|)` over the zero coefficients (`+∞` if there are none);
    /// `None` where the notion does not apply.
    fn non_degeneracy_margin(&self, _x: &[f64], _theta: &[f64]) -> Option<f64> {
        None
    }
}

fn solve_by_coordinate_descent<M: CoordinateDescentModel>(
    model: &M,
    warm_start: Option<&[f64]>,
    tol: f64,
    max_iter: usize,
) -> Result<Solution, BilevelError> {
    let solver = CoordinateDescent {
        params: SolverParams {
            max_iter,
            tol,
            record_history: false,
        },
        ..CoordinateDescent::default()
    };
    Ok(solver.solve(model, warm_start)?)
}

fn nonzeros(x: &[f64]) -> Vec<usize> {
    (0..x.len()).filter(|&j| x[j] != 0.0).collect()
}

/// `min_{j: x_j = 0} (threshold(j) − |g_j|)`.
fn l1_margin(x: &[f64], gradient: &[f64], threshold: impl Fn(usize) -> f64) -> f64 {
    (0..x.len())
        .filter(|&j| x[j] == 0.0)
        .map(|j| threshold(j) - gradient[j].abs())
        .fold(f64::INFINITY, f64::min)
}

/// Implements [`InnerProblem`] for an ℓ1 model solved by coordinate descent, given how θ sets
/// the model's penalties and the ℓ1 threshold of feature `j`.
macro_rules! l1_inner_problem {
    ($model:ty, |$m:ident, $t:ident| $set:expr, |$tt:ident, $j:ident| $threshold:expr) => {
        impl InnerProblem for $model {
            fn solve(
                &mut self,
                theta: &[f64],
                warm_start: Option<&[f64]>,
                tol: f64,
                max_iter: usize,
            ) -> Result<Solution, BilevelError> {
                {
                    let ($m, $t) = (&mut *self, theta);
                    $set?;
                }
                solve_by_coordinate_descent(self, warm_start, tol, max_iter)
            }
            fn support(&self, x: &[f64]) -> Option<Vec<usize>> {
                Some(nonzeros(x))
            }
            fn non_degeneracy_margin(&self, x: &[f64], theta: &[f64]) -> Option<f64> {
                let mut gradient = vec![0.0; x.len()];
                self.loss().gradient(x, &mut gradient);
                let $tt = theta;
                Some(l1_margin(x, &gradient, |$j| $threshold))
            }
        }
    };
}

l1_inner_problem!(Lasso, |m, t| m.set_alpha(t[0].exp()), |t, _j| t[0].exp());
l1_inner_problem!(SparseLogistic, |m, t| m.set_alpha(t[0].exp()), |t, _j| t[0]
    .exp());
l1_inner_problem!(
    ElasticNet,
    |m, t| m.set_alphas(t[0].exp(), t[1].exp()),
    |t, _j| t[0].exp()
);
l1_inner_problem!(
    WeightedLasso,
    |m, t| m.set_alphas(&t.iter().map(|v| v.exp()).collect::<Vec<_>>()),
    |t, j| t[j].exp()
);
