//! Conjugate gradient, matrix-free: solves `Ax = b` for a symmetric positive definite `A` given
//! only `v ↦ Av` (e.g. a Hessian-vector product), equivalently minimises `½xᵀAx − bᵀx`.

use super::progress::{check_vector, dot, norm, positive};
use crate::{OptimError, StopReason};

/// How a [`cg`] solve went.
#[derive(Clone, Debug, PartialEq)]
pub struct CgReport {
    /// Iterations (products with `A`, excluding the initial and final residual checks).
    pub iterations: usize,
    /// `‖b − Ax‖₂ / ‖b‖₂` recomputed from the returned `x` (`‖b − Ax‖₂` if `b = 0`).
    pub relative_residual: f64,
    /// [`StopReason::Converged`] if `relative_residual ≤ tol`; [`StopReason::Diverged`] if a
    /// direction of non-positive curvature `pᵀAp ≤ 0` or a non-finite value was met (`A` is not
    /// SPD); [`StopReason::MaxIterations`] if the cap was hit.
    pub stop: StopReason,
}

impl CgReport {
    /// Whether the tolerance was met.
    pub fn converged(&self) -> bool {
        self.stop == StopReason::Converged
    }
}

/// Solves `Ax = b` by conjugate gradient from `x0` (zeros if `None`), until
/// `‖b − Ax‖ ≤ tol·‖b‖` or `max_iter` products with `A`:
///
/// `r₀ = b − Ax₀, p₀ = r₀;  αₖ = rₖᵀrₖ / pₖᵀApₖ,  xₖ₊₁ = xₖ + αₖpₖ,  rₖ₊₁ = rₖ − αₖApₖ,
///  pₖ₊₁ = rₖ₊₁ + (rₖ₊₁ᵀrₖ₊₁ / rₖᵀrₖ) pₖ`.
///
/// `apply_a(v, out)` writes `Av` into `out`. In exact arithmetic CG ends in at most `n` steps.
///
/// ```
/// use hypergrad_optim::solvers::cg;
/// // A = [[4, 1], [1, 3]], b = (1, 2): x = (1/11, 7/11).
/// let a = |v: &[f64], out: &mut [f64]| {
///     out[0] = 4.0 * v[0] + v[1];
///     out[1] = v[0] + 3.0 * v[1];
/// };
/// let (x, report) = cg(a, &[1.0, 2.0], None, 1e-12, 10).unwrap();
/// assert!(report.converged() && report.iterations <= 2);
/// assert!((x[0] - 1.0 / 11.0).abs() < 1e-12 && (x[1] - 7.0 / 11.0).abs() < 1e-12);
/// ```
///
/// # Errors
/// [`OptimError`] if `tol ≤ 0`, or `b`/`x0` is non-finite or `x0` has the wrong length.
pub fn cg(
    mut apply_a: impl FnMut(&[f64], &mut [f64]),
    b: &[f64],
    x0: Option<&[f64]>,
    tol: f64,
    max_iter: usize,
) -> Result<(Vec<f64>, CgReport), OptimError> {
    positive("tol", tol)?;
    check_vector("b", b, b.len())?;
    let n = b.len();
    let mut x = match x0 {
        Some(x0) => {
            check_vector("x0", x0, n)?;
            x0.to_vec()
        }
        None => vec![0.0; n],
    };
    let b_norm = norm(b);
    let scale = if b_norm > 0.0 { b_norm } else { 1.0 };
    let mut ap = vec![0.0; n];
    apply_a(&x, &mut ap);
    let mut r: Vec<f64> = b.iter().zip(&ap).map(|(bi, ai)| bi - ai).collect();
    let mut p = r.clone();
    let mut rr = dot(&r, &r);
    let mut iterations = 0;
    let mut stop = None;
    while rr.sqrt() > tol * scale {
        if iterations == max_iter {
            stop = Some(StopReason::MaxIterations);
            break;
        }
        apply_a(&p, &mut ap);
        iterations += 1;
        let curvature = dot(&p, &ap);
        if !(curvature.is_finite() && curvature > 0.0) {
            stop = Some(StopReason::Diverged);
            break;
        }
        let alpha = rr / curvature;
        for i in 0..n {
            x[i] += alpha * p[i];
            r[i] -= alpha * ap[i];
        }
        let rr_next = dot(&r, &r);
        let beta = rr_next / rr;
        rr = rr_next;
        for (pi, &ri) in p.iter_mut().zip(&r) {
            *pi = ri + beta * *pi;
        }
    }
    // The recurrence residual drifts from the true one; report the true one.
    apply_a(&x, &mut ap);
    let true_residual = b
        .iter()
        .zip(&ap)
        .map(|(bi, ai)| (bi - ai) * (bi - ai))
        .sum::<f64>()
        .sqrt();
    let relative_residual = true_residual / scale;
    let stop = match stop {
        Some(s) => s,
        None if !relative_residual.is_finite() => StopReason::Diverged,
        None if relative_residual <= tol => StopReason::Converged,
        // The recurrence met tol but the true residual did not: not converged, say so.
        None => StopReason::MaxIterations,
    };
    Ok((
        x,
        CgReport {
            iterations,
            relative_residual,
            stop,
        },
    ))
}
