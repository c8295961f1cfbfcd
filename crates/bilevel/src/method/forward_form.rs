//! The forward form of implicit differentiation: solve `(I − A) J_i = B e_i` for each
//! hyperparameter, chunks of lanes sharing every evaluation of `T`, then
//! `∂h/∂θ_i = ∂_{θ_i}C + ∇ₓC·J_i`.
//!
//! Neumann iterations `J ← AJ + B` run on a whole chunk at once; a lane they leave unconverged
//! (or a fixed Krylov solver) is solved on its own with one lane per product.
//!
//! Error estimate, per lane, with `κ = 1/(1 − ρ)`, `res_i = B e_i − (I − A)J_i` and
//! `R(w) = |∇ₓC·(w + Aw + A²w)| + ρκ‖∇ₓC‖‖A²w‖ ≈ |∇ₓC·(I − A)⁻¹w|` (three terms of the Neumann
//! series and a geometric tail): linear `R(res_i)`; inner `|G_i(x') − G_i(x̂)| +
//! R(res_i(x') − res_i(x̂))` at the corrected point `x' ≈ x*`
//! ([`corrected`](crate::operator::FixedPoint::corrected)), `G_i = ∂_{θ_i}C + ∇ₓC·J_i` at fixed
//! `J_i`.

use super::{amplified, by_chunk, contraction_of, kappa, rounding, LinearSummary};
use crate::diagnostics::{ErrorParts, WarmStart};
use crate::linear::{self, Fallback, FallbackReason, Strategy, NEUMANN_BUDGET};
use crate::operator::FixedPoint;
use crate::{BilevelError, Criterion, LinearSolver, Options};
use hypergrad_optim::FixedPointMap;

/// Where the forward form's iterations start.
#[derive(Clone, Copy)]
pub(crate) enum Start<'a> {
    /// `J = 0`.
    Zero,
    /// The previous Jacobian kept in the warm start (0 if it has none of the right shape).
    Previous,
    /// These columns.
    Columns(&'a [Vec<f64>]),
}

/// The forward form's result (its columns are left in the warm start).
pub(crate) struct ForwardSolve {
    pub grad: Vec<f64>,
    pub error: ErrorParts,
    pub contraction: f64,
    pub iterations: usize,
    pub linear: LinearSummary,
    /// Every lane converged at the first Neumann step from `J = 0`, i.e. `J = B`: one-step is
    /// exact to tolerance (`A·B ≈ 0`).
    pub one_step_exact: bool,
}

/// Solves the forward form at `fp` by `strategy` from `start`; the columns replace the warm
/// start's Jacobian.
pub(crate) fn solve<P: FixedPointMap, C: Criterion>(
    fp: &FixedPoint<'_, P, C>,
    strategy: Strategy,
    start: Start<'_>,
    options: &Options,
    warm: &mut WarmStart,
) -> Result<ForwardSolve, BilevelError> {
    let (p, m) = (fp.dim(), fp.theta.len());
    let kept = warm.jacobian.take();
    let previous = match start {
        Start::Zero => None,
        Start::Previous => kept.as_deref(),
        Start::Columns(cols) => Some(cols),
    }
    .filter(|cols| cols.len() == m && cols.iter().all(|c| c.len() == p));
    let lanes: Vec<usize> = (0..m).collect();
    let mut columns = Vec::with_capacity(m);
    let (mut iterations, mut linear, mut measured) = (0, LinearSummary::default(), None::<f64>);
    let mut residuals = Vec::with_capacity(m);
    let mut one_step_exact = true;
    for chunk in lanes.chunks(8) {
        let start = previous.map(|cols| &cols[chunk[0]..chunk[0] + chunk.len()]);
        let c = by_chunk!(
            chunk.len(),
            solve_chunk(fp, chunk, strategy, start, options)
        )?;
        iterations += c.iterations;
        measured = match (measured, c.contraction) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        one_step_exact &= c.one_step_exact;
        linear.merge(
            c.summary.residual,
            c.summary.solver.unwrap_or(LinearSolver::Neumann),
            &c.summary.fallbacks,
        );
        residuals.extend(c.residuals);
        columns.extend(c.columns);
    }
    let rho = contraction_of(fp, measured, warm);
    let kappa = kappa(rho);
    let (gx, gt) = fp.criterion_gradient();
    let grad: Vec<f64> = lanes
        .iter()
        .map(|&i| gt[i] + fp.dot(&gx, &columns[i]))
        .collect();
    // The same formula at the corrected point x' ≈ x*.
    let shifted = fp.corrected(rho, kappa);
    let fp_shifted = fp.at(&shifted);
    let (gx2, gt2) = fp_shifted.criterion_gradient();
    let (mut linear_sq, mut inner_sq) = (0.0, 0.0);
    for chunk in lanes.chunks(8) {
        let range = chunk[0]..chunk[0] + chunk.len();
        let shifted_res = by_chunk!(
            chunk.len(),
            residuals_of(&fp_shifted, chunk, &columns[range.clone()])
        );
        let drift: Vec<Vec<f64>> = shifted_res
            .iter()
            .zip(&residuals[range.clone()])
            .map(|(a, b)| difference(a, b))
            .collect();
        let res_powers = by_chunk!(
            chunk.len(),
            powers(fp, chunk, residuals[range].to_vec(), SERIES_TERMS)
        );
        let drift_powers = by_chunk!(chunk.len(), powers(fp, chunk, drift, SERIES_TERMS));
        for (l, &i) in chunk.iter().enumerate() {
            let g_shifted = gt2[i] + fp.dot(&gx2, &columns[i]);
            let lin = resolved(fp, &gx, &res_powers[l], rho, kappa);
            let drifted =
                (g_shifted - grad[i]).abs() + resolved(fp, &gx, &drift_powers[l], rho, kappa);
            let inner = drifted;
            linear_sq += lin * lin;
            inner_sq += inner * inner;
        }
    }
    let error = ErrorParts {
        inner: inner_sq.sqrt(),
        linear: linear_sq.sqrt(),
        bias: 0.0,
        rounding: rounding(kappa, &grad, &gt),
    };
    warm.jacobian = Some(columns);
    Ok(ForwardSolve {
        grad,
        error,
        contraction: rho,
        iterations,
        linear,
        one_step_exact: one_step_exact && previous.is_none(),
    })
}

/// Terms of the Neumann series computed before its geometric tail takes over.
pub(super) const SERIES_TERMS: usize = 2;

/// `[w_l, Aw_l, …, Aᵏw_l]` for each lane `l` of a chunk (one evaluation per power).
pub(super) fn powers<const N: usize, P: FixedPointMap, C: Criterion>(
    fp: &FixedPoint<'_, P, C>,
    lanes: &[usize],
    w: Vec<Vec<f64>>,
    k: usize,
) -> Vec<Vec<Vec<f64>>> {
    let mut buffers = fp.lanes::<N>();
    let mut by_power = vec![w];
    for j in 0..k {
        let mut next = vec![vec![0.0; fp.dim()]; lanes.len()];
        fp.jvp(&mut buffers, &by_power[j], lanes, 0.0, &mut next);
        by_power.push(next);
    }
    (0..lanes.len())
        .map(|l| by_power.iter().map(|p| p[l].clone()).collect())
        .collect()
}

/// `|g·Σₖ Aᵏw| + ρκ‖g‖‖Aᴷw‖ ≈ |g·(I − A)⁻¹w|` from the powers `[w, Aw, …, Aᴷw]` (vectors
/// zero off the support of `fp`, whose reductions skip the zeros).
pub(super) fn resolved<P: FixedPointMap, C: Criterion>(
    fp: &FixedPoint<'_, P, C>,
    g: &[f64],
    powers: &[Vec<f64>],
    rho: f64,
    kappa: f64,
) -> f64 {
    let partial: f64 = powers.iter().map(|p| fp.dot(g, p)).sum();
    let last = powers.last().map_or(0.0, |p| fp.norm(p));
    partial.abs() + amplified(kappa * rho.max(0.0), fp.norm(g) * last)
}

fn difference(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x - y).collect()
}

/// One chunk's solve.
struct Chunk {
    columns: Vec<Vec<f64>>,
    residuals: Vec<Vec<f64>>,
    iterations: usize,
    summary: LinearSummary,
    contraction: Option<f64>,
    one_step_exact: bool,
}

/// `res_l = A J_l + B e_l − J_l` for the lanes of a chunk, in one evaluation.
fn residuals_of<const N: usize, P: FixedPointMap, C: Criterion>(
    fp: &FixedPoint<'_, P, C>,
    lanes: &[usize],
    columns: &[Vec<f64>],
) -> Vec<Vec<f64>> {
    let mut buffers = fp.lanes::<N>();
    let mut out = vec![vec![0.0; fp.dim()]; lanes.len()];
    fp.jvp(&mut buffers, columns, lanes, 1.0, &mut out);
    out.iter_mut()
        .zip(columns)
        .for_each(|(o, j)| o.iter_mut().zip(j).for_each(|(o, j)| *o -= j));
    out
}

fn solve_chunk<const N: usize, P: FixedPointMap, C: Criterion>(
    fp: &FixedPoint<'_, P, C>,
    lanes: &[usize],
    strategy: Strategy,
    previous: Option<&[Vec<f64>]>,
    options: &Options,
) -> Result<Chunk, BilevelError> {
    let (p, k) = (fp.dim(), lanes.len());
    let (tol, max_iter) = (options.jacobian_tol, options.jacobian_max_iter);
    let mut buffers = fp.lanes::<N>();
    let mut b = vec![vec![0.0; p]; k];
    fp.jvp(&mut buffers, &vec![vec![0.0; p]; k], lanes, 1.0, &mut b);
    let b_norms: Vec<f64> = b.iter().map(|v| fp.norm(v)).collect();
    let mut j: Vec<Vec<f64>> = match previous {
        Some(cols) => cols.to_vec(),
        None => vec![vec![0.0; p]; k],
    };
    j.iter_mut().for_each(|c| fp.restrict(c));
    let mut iterations = 1;
    let mut summary = LinearSummary::default();
    let mut contraction = None;
    let mut one_step_exact = false;
    let neumann = matches!(
        strategy,
        Strategy::WarmNeumann | Strategy::Fixed(LinearSolver::Neumann)
    );
    let mut pending: Vec<usize> = if neumann {
        Vec::new()
    } else {
        (0..k).collect()
    };
    if neumann {
        let budget = match strategy {
            Strategy::WarmNeumann => NEUMANN_BUDGET.min(max_iter),
            _ => max_iter,
        };
        let run = neumann_lanes(fp, &mut buffers, lanes, &mut j, &b_norms, tol, budget);
        iterations += run.evaluations;
        contraction = run.contraction;
        // From J = 0 the first step gives J = B; a second evaluation finding ‖AB‖ ≤ tol‖B‖
        // means J = B solves the system: one-step is exact here.
        one_step_exact =
            previous.is_none() && run.evaluations <= 2 && run.converged.iter().all(|&c| c);
        let unconverged: Vec<usize> = (0..k).filter(|&l| !run.converged[l]).collect();
        let hand_over = run.diverged || strategy == Strategy::WarmNeumann;
        if unconverged.is_empty() || !hand_over || iterations >= max_iter {
            summary.solver = Some(LinearSolver::Neumann);
        } else {
            if run.diverged {
                unconverged
                    .iter()
                    .for_each(|&l| j[l].iter_mut().for_each(|v| *v = 0.0));
            }
            let reason = if run.diverged {
                FallbackReason::Diverged
            } else {
                FallbackReason::Stagnated
            };
            summary.fallbacks.push(Fallback {
                from: LinearSolver::Neumann,
                to: LinearSolver::Bicgstab,
                reason,
            });
            pending = unconverged;
        }
    }
    // Lanes left to a Krylov (or dense) solver, one lane per product.
    let mut single = fp.lanes::<1>();
    for &l in &pending {
        let lane = [lanes[l]];
        let apply = |v: &[f64], out: &mut [f64]| {
            let mut o = [vec![0.0; p]];
            fp.jvp(&mut single, &[v.to_vec()], &lane, 0.0, &mut o);
            out.iter_mut()
                .zip(v)
                .zip(&o[0])
                .for_each(|((out, v), a)| *out = v - a);
        };
        let chosen = if neumann { Strategy::Krylov } else { strategy };
        let active = fp.support.map(|s| s.indices.as_slice());
        let budget = max_iter.saturating_sub(iterations).max(1);
        let rep = linear::solve(chosen, apply, &b[l], &mut j[l], active, tol, budget)?;
        iterations += rep.iterations;
        if let (Some(first), Strategy::Krylov) = (summary.fallbacks.first_mut(), chosen) {
            first.to = rep.fallbacks.first().map_or(rep.solver, |f| f.from);
        }
        summary.merge(rep.relative_residual, rep.solver, &rep.fallbacks);
    }
    let residuals = residuals_of::<N, P, C>(fp, lanes, &j);
    for (r, bn) in residuals.iter().zip(&b_norms) {
        let rel = if *bn > 0.0 {
            fp.norm(r) / bn
        } else {
            fp.norm(r)
        };
        summary.residual = summary.residual.max(rel);
    }
    Ok(Chunk {
        columns: j,
        residuals,
        iterations,
        summary,
        contraction,
        one_step_exact,
    })
}

/// The Neumann iterations of a chunk.
struct NeumannRun {
    evaluations: usize,
    converged: Vec<bool>,
    diverged: bool,
    contraction: Option<f64>,
}

/// `J ← AJ + B` on every lane at once until each relative step `‖res_l‖/‖B_l‖ ≤ tol` or
/// `budget` steps; `J` keeps the last iterate whose residual was measured below tolerance or
/// the last one. The ratio of the largest residuals two steps apart estimates `ρ(A)`.
fn neumann_lanes<const N: usize, P: FixedPointMap, C: Criterion>(
    fp: &FixedPoint<'_, P, C>,
    buffers: &mut crate::operator::Lanes<N>,
    lanes: &[usize],
    j: &mut [Vec<f64>],
    b_norms: &[f64],
    tol: f64,
    budget: usize,
) -> NeumannRun {
    let (p, k) = (fp.dim(), lanes.len());
    let mut next = vec![vec![0.0; p]; k];
    let mut history: Vec<f64> = Vec::new();
    let mut iterations = 0;
    let (converged, diverged) = loop {
        fp.jvp(buffers, j, lanes, 1.0, &mut next);
        iterations += 1;
        let rel: Vec<f64> = (0..k)
            .map(|l| {
                let step = fp.distance(&next[l], &j[l]);
                if b_norms[l] > 0.0 {
                    step / b_norms[l]
                } else {
                    step
                }
            })
            .collect();
        let worst = rel.iter().fold(0.0_f64, |a, &b| a.max(b));
        history.push(worst);
        let converged: Vec<bool> = rel.iter().map(|&r| r <= tol).collect();
        if !worst.is_finite() || worst > 1e6 * history[0].max(f64::MIN_POSITIVE) {
            break (converged, true);
        }
        if converged.iter().all(|&c| c) || iterations > budget {
            // (the last evaluation measured J's residual; its step is not taken)
            break (converged, false);
        }
        for (jl, nl) in j.iter_mut().zip(&next) {
            jl.copy_from_slice(nl);
        }
    };
    let contraction = crate::linalg::rate(&history);
    NeumannRun {
        evaluations: iterations,
        converged,
        diverged,
        contraction,
    }
}
