//! The adjoint form of implicit differentiation: one system for all hyperparameters,
//! `(I − Aᵀ) v = ∇ₓC`, then `∇h = ∂_θC + Bᵀv`, by vector–Jacobian products of `T` recorded
//! once on a tape. Its Neumann iteration `v ← Aᵀv + ∇ₓC` is reverse FPAD.
//!
//! Error estimate, with `κ = 1/(1 − ρ)`, `res = ∇ₓC − (I − Aᵀ)v` and
//! `R(w) = ‖Bᵀ(w + Aᵀw + (Aᵀ)²w)‖ + ρκ‖Bᵀ(Aᵀ)²w‖ ≈ ‖Bᵀ(I − Aᵀ)⁻¹w‖` (three terms of the
//! Neumann series and a geometric tail): linear `R(res)`; inner `‖G(x') − G(x̂)‖ +
//! R(res(x') − res(x̂))` at the corrected point `x' ≈ x*`
//! ([`corrected`](crate::operator::FixedPoint::corrected)), `G = ∂_θC + Bᵀv` at fixed `v`.

use super::{amplified, contraction_of, kappa, rounding, LinearSummary};
use crate::diagnostics::{ErrorParts, WarmStart};
use crate::linalg::norm;
use crate::linear::{self, Strategy};
use crate::operator::{FixedPoint, Vjp};
use crate::{BilevelError, Criterion, Options};
use hypergrad_optim::FixedPointMap;

/// The adjoint form's result (its adjoint is left in the warm start).
pub(crate) struct AdjointSolve {
    pub grad: Vec<f64>,
    pub error: ErrorParts,
    pub contraction: f64,
    pub iterations: usize,
    pub linear: LinearSummary,
}

/// What the vector–Jacobian products give at one point for one adjoint `v`.
struct AtPoint {
    /// `∂_θC + Bᵀv`.
    grad: Vec<f64>,
    /// `∇ₓC − (I − Aᵀ)v`.
    residual: Vec<f64>,
}

/// Solves the adjoint form at `fp` by `strategy` from the warm start's adjoint (if
/// `from_previous`, else 0); the solution replaces it.
pub(crate) fn solve<P: FixedPointMap, C: Criterion>(
    fp: &FixedPoint<'_, P, C>,
    strategy: Strategy,
    from_previous: bool,
    options: &Options,
    warm: &mut WarmStart,
) -> Result<AdjointSolve, BilevelError> {
    let (p, m) = (fp.dim(), fp.theta.len());
    let (gx, gt) = fp.criterion_gradient();
    let mut v = warm
        .adjoint
        .take()
        .filter(|v| from_previous && v.len() == p)
        .unwrap_or_else(|| vec![0.0; p]);
    fp.restrict(&mut v);
    let (report, at, (rho, kappa), linear_error) = fp.with_vjp(|vjp| {
        let mut ax = vec![0.0; p];
        let apply = |w: &[f64], out: &mut [f64]| {
            vjp(w, &mut ax, None);
            out.iter_mut()
                .zip(w)
                .zip(&ax)
                .for_each(|((o, w), a)| *o = w - a);
        };
        let active = fp.support.map(|s| s.indices.as_slice());
        let (tol, max_iter) = (options.jacobian_tol, options.jacobian_max_iter);
        let report = linear::solve(strategy, apply, &gx, &mut v, active, tol, max_iter)?;
        let at = evaluate(vjp, (&gx, &gt), &v);
        // The error estimate's products at this point, on the same recording.
        let rho = contraction_of(fp, report.contraction, warm);
        let kappa = kappa(rho);
        let linear_error = resolved(vjp, &at.residual, m, (rho, kappa));
        Ok::<_, BilevelError>((report, at, (rho, kappa), linear_error))
    })?;
    // The same formula at the corrected point x' ≈ x*, at the same v.
    let shifted = fp.corrected(rho, kappa);
    let fp_shifted = fp.at(&shifted);
    let (gx2, gt2) = fp_shifted.criterion_gradient();
    let (drift_grad, drift_residual) = fp_shifted.with_vjp(|vjp| {
        let there = evaluate(vjp, (&gx2, &gt2), &v);
        let change: Vec<f64> = there
            .residual
            .iter()
            .zip(&at.residual)
            .map(|(a, b)| a - b)
            .collect();
        let grad_change: Vec<f64> = there
            .grad
            .iter()
            .zip(&at.grad)
            .map(|(a, b)| a - b)
            .collect();
        (norm(&grad_change), resolved(vjp, &change, m, (rho, kappa)))
    });
    let error = ErrorParts {
        inner: drift_grad + drift_residual,
        linear: linear_error,
        bias: 0.0,
        rounding: rounding(kappa, &at.grad, &gt),
    };
    let linear = LinearSummary {
        residual: report.relative_residual,
        solver: Some(report.solver),
        fallbacks: report.fallbacks,
    };
    warm.adjoint = Some(v);
    Ok(AdjointSolve {
        grad: at.grad,
        error,
        contraction: rho,
        iterations: report.iterations,
        linear,
    })
}

/// Terms of the Neumann series computed before its geometric tail takes over.
const SERIES_TERMS: usize = 2;

/// `‖Bᵀ Σₖ (Aᵀ)ᵏ w‖ + ρκ‖Bᵀ(Aᵀ)ᴷw‖ ≈ ‖Bᵀ(I − Aᵀ)⁻¹w‖`, `k = 0 … K` (K + 1 products).
pub(super) fn resolved(vjp: &mut Vjp<'_>, w: &[f64], m: usize, (rho, kappa): (f64, f64)) -> f64 {
    let (mut w, mut next) = (w.to_vec(), vec![0.0; w.len()]);
    let (mut partial, mut bt) = (vec![0.0; m], vec![0.0; m]);
    for _ in 0..=SERIES_TERMS {
        vjp(&w, &mut next, Some(&mut bt));
        partial.iter_mut().zip(&bt).for_each(|(s, t)| *s += t);
        std::mem::swap(&mut w, &mut next);
    }
    norm(&partial) + amplified(kappa * rho.max(0.0), norm(&bt))
}

/// `G = ∂_θC + Bᵀv` and `res = ∇ₓC − (v − Aᵀv)` from one VJP.
fn evaluate(vjp: &mut Vjp<'_>, (gx, gt): (&[f64], &[f64]), v: &[f64]) -> AtPoint {
    let (mut ax, mut bt) = (vec![0.0; v.len()], vec![0.0; gt.len()]);
    vjp(v, &mut ax, Some(&mut bt));
    AtPoint {
        grad: gt.iter().zip(&bt).map(|(a, b)| a + b).collect(),
        residual: gx
            .iter()
            .zip(v.iter().zip(&ax))
            .map(|(g, (v, a))| g - (v - a))
            .collect(),
    }
}
