//! One cyclic coordinate-descent sweep for each model family, generic over [`Scalar`].
//!
//! The same function is the fast `f64` path (called by the solver with a residual maintained
//! across sweeps and `skip_unchanged = true`) and the generic update of the models'
//! [`FixedPointMap`](crate::FixedPointMap) implementations (called on AD numbers with
//! `skip_unchanged = false`: AD numbers compare primal values only, so an update whose primal
//! change is zero may still carry a tangent and must be applied). With `f64` both settings give
//! the same iterates, since adding `0·X_j` leaves the residual unchanged.
//!
//! Each sweep returns `Σ_j (β_j⁺ − β_j)²` (primal values), the squared step length.

use crate::design::real;
use crate::loss::sigmoid;
use crate::Design;
use hypergrad_ad::nonsmooth::{block_soft_threshold, soft_threshold};
use hypergrad_ad::Scalar;

/// Moves coordinate j from `old` to `new`, updating the linear state `state ← state + sign·X_j Δ`
/// (`sign = −1` for a residual `y − Xβ`, `+1` for a linear predictor `Xβ`); returns `Δ²`.
#[inline]
fn move_coordinate<S: Scalar>(
    design: &Design,
    j: usize,
    old: S,
    new: S,
    sign: f64,
    skip_unchanged: bool,
    state: &mut [S],
) -> f64 {
    let delta = new - old;
    if !(skip_unchanged && delta.is_zero()) {
        design.col_axpy(j, delta.scale(real::<S>(sign)), state);
    }
    let d = delta.to_f64_value();
    d * d
}

/// A sweep for `P(β) = 1/(2n)‖y − Xβ‖² + Σ_j l1(j)|β_j| + l2/2 ‖β‖²` (Lasso, weighted Lasso,
/// elastic net), maintaining the residual `r = y − Xβ`.
///
/// With `L_j = ‖X_j‖²/n`, the exact minimizer along coordinate j is
/// `β_j ← st(L_j β_j + X_jᵀr/n, l1(j)) / (L_j + l2(j))`. A zero column (`L_j = 0`, `l2 = 0`) has
/// every `β_j` with `l1(j)|β_j|` minimal at 0, which is taken. `columns` restricts the sweep to
/// those coordinates (in that order); `None` sweeps all.
pub(crate) fn sweep_l1l2<S: Scalar>(
    design: &Design,
    lipschitz: &[f64],
    penalties: (impl Fn(usize) -> S, impl Fn(usize) -> S),
    columns: Option<&[usize]>,
    skip_unchanged: bool,
    beta: &mut [S],
    residual: &mut [S],
) -> f64 {
    let (l1, l2) = penalties;
    let inv_n = 1.0 / design.n_samples() as f64;
    let mut update = |j: usize| {
        let lj = lipschitz[j];
        let old = beta[j];
        let new = if lj == 0.0 {
            S::zero()
        } else {
            let z = old.scale(real::<S>(lj)) + design.col_dot(j, residual).scale(real::<S>(inv_n));
            soft_threshold(z, l1(j)) / (l2(j) + lj)
        };
        beta[j] = new;
        move_coordinate(design, j, old, new, -1.0, skip_unchanged, residual)
    };
    match columns {
        None => (0..lipschitz.len()).map(&mut update).sum(),
        Some(columns) => columns.iter().map(|&j| update(j)).sum(),
    }
}

/// A sweep for the ℓ1-penalized logistic loss `1/n Σᵢ log(1 + exp(−yᵢzᵢ)) + α‖β‖₁`,
/// maintaining the linear predictor `z = Xβ`.
///
/// Coordinate j minimizes the quadratic upper bound of the loss along `e_j` (curvature
/// `L_j = ‖X_j‖²/(4n) ≥ ∂²f/∂β_j²`) plus the penalty: `β_j ← st(β_j − g_j/L_j, α/L_j)` with
/// `g_j = −1/n Σᵢ X_ij yᵢ σ(−yᵢzᵢ)`. Each step decreases the objective (majorization–minimization).
/// The coordinates `j ≥ penalized` (an intercept's column of ones) are unpenalized: they take the
/// plain step `β_j ← β_j − g_j/L_j` (for the intercept `L = 1/4`), whose fixed point is
/// `g_j = 0`. `columns` restricts the sweep to those coordinates (in that order); `None` sweeps all.
pub(crate) fn sweep_logistic_l1<S: Scalar>(
    design: &Design,
    (y, lipschitz): (&[f64], &[f64]),
    (alpha, penalized): (S, usize),
    columns: Option<&[usize]>,
    skip_unchanged: bool,
    beta: &mut [S],
    linear: &mut [S],
) -> f64 {
    let minus_inv_n = -1.0 / design.n_samples() as f64;
    let mut update = |j: usize| {
        let lj = lipschitz[j];
        let old = beta[j];
        let new = if lj == 0.0 {
            S::zero()
        } else {
            let g = design
                .col_map_dot(j, |i| {
                    let yi = real::<S>(y[i]);
                    sigmoid(-linear[i].scale(yi)).scale(yi)
                })
                .scale(real::<S>(minus_inv_n));
            let inv_l = real::<S>(1.0 / lj);
            let step = old - g.scale(inv_l);
            if j < penalized {
                soft_threshold(step, alpha.scale(inv_l))
            } else {
                step
            }
        };
        beta[j] = new;
        move_coordinate(design, j, old, new, 1.0, skip_unchanged, linear)
    };
    match columns {
        None => (0..lipschitz.len()).map(&mut update).sum(),
        Some(columns) => columns.iter().map(|&j| update(j)).sum(),
    }
}

/// A block sweep for the group Lasso `1/(2n)‖y − Xβ‖² + α Σ_g ‖β_g‖₂`, maintaining the
/// residual `r = y − Xβ`.
///
/// With `L_g ≥ ‖X_g‖₂²/n` (the group's block Lipschitz constant), block g takes the proximal
/// gradient step `β_g ← BST(β_g + X_gᵀr/(n L_g), α/L_g)`, written as
/// `BST(L_g β_g + X_gᵀr/n, α)/L_g`. A group of zero columns is set to 0. `only` restricts the
/// sweep to those groups (indices into `groups`, in that order); `None` sweeps all.
pub(crate) fn sweep_group<S: Scalar>(
    design: &Design,
    (groups, lipschitz): (&[Vec<usize>], &[f64]),
    alpha: S,
    only: Option<&[usize]>,
    skip_unchanged: bool,
    beta: &mut [S],
    residual: &mut [S],
) -> f64 {
    let inv_n = 1.0 / design.n_samples() as f64;
    let largest = groups.iter().map(Vec::len).max().unwrap_or(0);
    let (mut grad_point, mut next) = (vec![S::zero(); largest], vec![S::zero(); largest]);
    let mut step = 0.0;
    let mut update = |g: usize| {
        let (group, lg) = (&groups[g], lipschitz[g]);
        let (u, new) = (&mut grad_point[..group.len()], &mut next[..group.len()]);
        if lg == 0.0 {
            new.iter_mut().for_each(|v| *v = S::zero());
        } else {
            for (uk, &j) in u.iter_mut().zip(group) {
                *uk = beta[j].scale(real::<S>(lg))
                    + design.col_dot(j, residual).scale(real::<S>(inv_n));
            }
            block_soft_threshold(u, alpha, new);
            let inv_l = real::<S>(1.0 / lg);
            new.iter_mut().for_each(|v| *v = v.scale(inv_l));
        }
        for (&j, &nj) in group.iter().zip(new.iter()) {
            step += move_coordinate(design, j, beta[j], nj, -1.0, skip_unchanged, residual);
            beta[j] = nj;
        }
    };
    match only {
        None => (0..groups.len()).for_each(&mut update),
        Some(only) => only.iter().for_each(|&g| update(g)),
    }
    step
}

/// A sweep for the multitask Lasso `1/(2n)‖Y − XB‖_F² + α Σ_j ‖B_j‖₂` (B is p×T, stored
/// row-major in `beta`; the residual `R = Y − XB` is n×T, stored task after task in `residual`).
///
/// Row j is minimized exactly: `B_j ← BST(L_j B_j + X_jᵀR/n, α)/(L_j)` with `L_j = ‖X_j‖²/n`
/// (the loss is isotropic within a row, so the block step is exact). A zero column gives
/// `B_j = 0`. `rows` restricts the sweep to those rows (in that order); `None` sweeps all.
pub(crate) fn sweep_multitask<S: Scalar>(
    design: &Design,
    lipschitz: &[f64],
    alpha: S,
    rows: Option<&[usize]>,
    skip_unchanged: bool,
    beta: &mut [S],
    residual: &mut [S],
) -> f64 {
    let n = design.n_samples();
    let tasks = beta.len() / lipschitz.len();
    let inv_n = 1.0 / n as f64;
    let (mut grad_point, mut next) = (vec![S::zero(); tasks], vec![S::zero(); tasks]);
    let mut step = 0.0;
    let all: Vec<usize>;
    let rows = match rows {
        Some(rows) => rows,
        None => {
            all = (0..lipschitz.len()).collect();
            &all
        }
    };
    for &j in rows {
        let lj = lipschitz[j];
        let row = &mut beta[j * tasks..(j + 1) * tasks];
        if lj == 0.0 {
            next.iter_mut().for_each(|v| *v = S::zero());
        } else {
            for (t, u) in grad_point.iter_mut().enumerate() {
                let r_t = &residual[t * n..(t + 1) * n];
                *u = row[t].scale(real::<S>(lj)) + design.col_dot(j, r_t).scale(real::<S>(inv_n));
            }
            block_soft_threshold(&grad_point, alpha, &mut next);
            let inv_l = real::<S>(1.0 / lj);
            next.iter_mut().for_each(|v| *v = v.scale(inv_l));
        }
        for (t, (b, &nb)) in row.iter_mut().zip(&next).enumerate() {
            let r_t = &mut residual[t * n..(t + 1) * n];
            step += move_coordinate(design, j, *b, nb, -1.0, skip_unchanged, r_t);
            *b = nb;
        }
    }
    step
}
