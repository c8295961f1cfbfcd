//! What the sparse (prox-based) models share as [`FixedPointMap`](crate::FixedPointMap)s: a
//! solve by their fast solver, the count of plain sweeps the unrolled methods differentiate,
//! the support of a solution, the non-degeneracy margin and the working-set priorities.

use crate::solvers::progress::check_vector;
use crate::solvers::{WorkingSetCd, WorkingSetModel};
use crate::{
    CoordinateDescent, CoordinateDescentModel, Design, OptimError, Schedule, Solution, SolverParams,
};

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

/// Solves `model` at θ by working-set coordinate descent with Anderson extrapolation
/// ([`WorkingSetCd`]) to the relative duality gap `params.tol` (`params.max_iter` caps its
/// epochs).
pub(crate) fn solve_by_working_sets<M: WorkingSetModel>(
    model: &M,
    theta: &[f64],
    warm_start: Option<&[f64]>,
    params: &SolverParams,
) -> Result<Solution, OptimError> {
    WorkingSetCd::new(params.clone()).solve(model, theta, warm_start)
}

/// The cyclic sweeps that reach `params.tol` from `start`: the count of `T` a plain unrolling
/// takes for a model solved by another algorithm (`unrolled_steps`; the unrolled methods
/// differentiate the working-set models' epochs instead, [`solve_without_extrapolation`]). Costs one
/// plain coordinate-descent solve: 1.8–8.4× the working-set solve it stands beside on the six
/// Lasso cases of the `lasso` bench.
pub(crate) fn cyclic_sweeps<M: CoordinateDescentModel>(
    model: &M,
    start: &[f64],
    theta: &[f64],
    params: &SolverParams,
) -> Result<usize, OptimError> {
    Ok(
        solve_by_coordinate_descent(model, theta, Some(start), params)?
            .report
            .iterations,
    )
}

/// A solve by [`WorkingSetCd`] without Anderson extrapolation from `warm_start` (or 0) to
/// `params.tol`, and its epochs: the program the unrolled methods differentiate for the models
/// solved by working sets (see
/// [`FixedPointMap::solve_with_schedule`](crate::FixedPointMap::solve_with_schedule)). The extrapolated points
/// of the default solve are a nonlinear combination of past iterates whose coefficients would
/// also need differentiating; without them each epoch is one restricted sweep. Costs one
/// working-set solve without extrapolation (about one with it: 0.9–1.1× on the four cases of
/// `benches/unroll_maps.rs`).
pub(crate) fn solve_without_extrapolation<M: WorkingSetModel>(
    model: &M,
    theta: &[f64],
    warm_start: Option<&[f64]>,
    params: &SolverParams,
) -> Result<(Solution, Schedule), OptimError> {
    let solver = WorkingSetCd {
        anderson_memory: 0,
        ..WorkingSetCd::new(params.clone())
    };
    solver.solve_with_schedule(model, theta, warm_start)
}

/// The working-set priority of a block: `−∞` if it is in the support, else its
/// `slack = α_b − ‖∇_b f‖` over `√L_b` (the distance from the dual point to the block's
/// constraint, up to the common factor `√n`); `+∞` for a block of zero columns, which never
/// leaves 0.
pub(crate) fn priority(in_support: bool, slack: f64, lipschitz: f64) -> f64 {
    if in_support {
        f64::NEG_INFINITY
    } else if lipschitz > 0.0 {
        slack / lipschitz.sqrt()
    } else {
        f64::INFINITY
    }
}

/// The objective, duality gap and working-set priorities of a block-penalized least squares
/// `P(β) = ½‖R‖_F²/n + α Σ_b ‖β_b‖₂` (group and multitask Lasso) restricted to `blocks` (β is 0
/// elsewhere), given `q = ‖R‖²/n`, `ρ = ⟨R, Y⟩/n` and, per block, `terms(b) = (‖β_b‖₂,
/// ‖∇_b f‖₂ = ‖X_bᵀR‖/n)`. The dual point `c·R`, `c = min(1, α / max_b ‖∇_b f‖)`, gives
/// `gap = ½(1 + c²)q + α Σ_b ‖β_b‖ − cρ`; block b's priority is
/// [`priority`]`(β_b ≠ 0, α − ‖∇_b f‖, L_b)`.
pub(crate) fn block_gap_and_scores(
    (alpha, q, r_dot_y): (f64, f64, f64),
    blocks: impl Iterator<Item = usize>,
    terms: impl Fn(usize) -> (f64, f64),
    lipschitz: &[f64],
    mut scores: Option<&mut [f64]>,
) -> (f64, f64) {
    let (mut norms, mut correlation) = (0.0, 0.0_f64);
    for b in blocks {
        let (norm, gradient) = terms(b);
        norms += norm;
        correlation = correlation.max(gradient);
        if let Some(scores) = scores.as_deref_mut() {
            scores[b] = priority(norm != 0.0, alpha - gradient, lipschitz[b]);
        }
    }
    let c = if correlation > alpha {
        alpha / correlation
    } else {
        1.0
    };
    let penalty = alpha * norms;
    (
        0.5 * q + penalty,
        super::rescaled_residual_gap(q, r_dot_y, penalty, c),
    )
}

/// `state ← state + sign·Σ_c X_c δ_c` for coefficients `c` that are columns of `design`.
pub(crate) fn shift_linear(
    design: &Design,
    coefficients: &[usize],
    delta: &[f64],
    sign: f64,
    state: &mut [f64],
) {
    for (&c, &d) in coefficients.iter().zip(delta) {
        if d != 0.0 {
            design.col_axpy(c, sign * d, state);
        }
    }
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
