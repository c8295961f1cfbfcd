//! What the sparse (prox-based) models share as [`FixedPointMap`](crate::FixedPointMap)s: a
//! solve by their fast solver, the support of a solution and the non-degeneracy margin.

use crate::solvers::progress::check_vector;
use crate::{CoordinateDescent, CoordinateDescentModel, OptimError, Solution, SolverParams};

/// Solves `model` at θ by cyclic coordinate descent (the iteration of its map) to the relative
/// duality gap `params.tol`.
pub(crate) fn solve_by_coordinate_descent<M: CoordinateDescentModel>(
    model: &M,
    theta: &[f64],
    warm_start: Option<&[f64]>,
    params: &SolverParams,
) -> Result<Solution, OptimError> {
    CoordinateDescent::new(params.clone()).solve(model, theta, warm_start)
}

/// The indices where `x` is non-zero.
pub(crate) fn nonzeros(x: &[f64]) -> Vec<usize> {
    (0..x.len()).filter(|&j| x[j] != 0.0).collect()
}

/// `min_{j: x_j = 0} (threshold(j) − |g_j|)` (`+∞` if no coordinate is zero).
pub(crate) fn l1_margin(x: &[f64], gradient: &[f64], threshold: impl Fn(usize) -> f64) -> f64 {
    (0..x.len())
        .filter(|&j| x[j] == 0.0)
        .map(|j| threshold(j) - gradient[j].abs())
        .fold(f64::INFINITY, f64::min)
}

/// `min_{g: x_g = 0} (α − ‖∇_g f‖₂)` over the blocks (groups, or rows of a multitask matrix)
/// whose coefficients are all zero (`+∞` if there is none).
pub(crate) fn block_margin<'a>(
    x: &[f64],
    gradient: &[f64],
    blocks: impl Iterator<Item = &'a [usize]>,
    alpha: f64,
) -> f64 {
    blocks
        .filter(|block| block.iter().all(|&j| x[j] == 0.0))
        .map(|block| {
            alpha
                - block
                    .iter()
                    .map(|&j| gradient[j].powi(2))
                    .sum::<f64>()
                    .sqrt()
        })
        .fold(f64::INFINITY, f64::min)
}

/// `α = exp(θ₀)` for a model with one log-penalty, checked (one finite entry, `α > 0` finite).
pub(crate) fn single_alpha(theta: &[f64]) -> Result<f64, OptimError> {
    check_vector("theta", theta, 1)?;
    let alpha = theta[0].exp();
    super::check_penalty("alpha", alpha, false)?;
    Ok(alpha)
}
