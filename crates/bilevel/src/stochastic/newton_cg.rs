//! Newton–CG for the full-batch inner solve of [`FullBatch`], robust down to the rounding floor.

use super::finite_sum::FiniteSum;
use super::full_batch::FullBatch;
use hypergrad_ad::Dual;
use hypergrad_optim::solvers::cg;
use hypergrad_optim::{OptimError, Solution, SolveReport, SolverParams, StopReason};

/// Backtracking halvings at most per Newton step.
const MAX_HALVINGS: usize = 40;

/// Minimizes `f(·, θ)` from `warm_start` (or 0) until `‖∇f‖ ≤ params.tol`:
///
/// `H d = −g` by conjugate gradient (Hessian–vector products by forward mode over the generic
/// gradient) to the relative residual `min(½, √‖g‖)` (superlinear convergence), then
/// `z ← z + t d` with `t = 1, ½, ¼, …` until `f` decreases by `10⁻⁴·t·|gᵀd|` (Armijo) — or,
/// where `f` cannot tell (its change within 8ε·|f|, the rounding floor near the minimum, where
/// the Armijo bound rounds to `f` itself), until `‖∇f‖` halves. A step that does neither stops the solve short of the tolerance,
/// reported as [`StopReason::MaxIterations`] (not converged) with the gradient norm reached.
pub(super) fn solve<F: FiniteSum + ?Sized>(
    full: &FullBatch<'_, F>,
    theta: &[f64],
    warm_start: Option<&[f64]>,
    params: &SolverParams,
) -> Result<Solution, OptimError> {
    let p = super::dim_z(full.problem());
    check(theta, full.problem().dim_theta(), "theta")?;
    if !(params.tol > 0.0 && params.tol.is_finite()) || params.max_iter == 0 {
        return Err(OptimError::InvalidParameter {
            name: "solver params",
            value: params.tol,
            reason: "tol must be finite and positive and max_iter at least 1",
        });
    }
    let mut z = match warm_start {
        Some(w) => {
            check(w, p, "warm start")?;
            w.to_vec()
        }
        None => vec![0.0; p],
    };
    let (mut g, mut g_trial, mut trial) = (vec![0.0; p], vec![0.0; p], vec![0.0; p]);
    let mut f = full.value(&z, theta);
    full.gradient(&z, theta, &mut g);
    let mut gnorm = norm(&g);
    let (mut iterations, mut stop) = (0, StopReason::MaxIterations);
    let duals: Vec<Dual<f64>> = theta.iter().map(|&t| Dual::constant(t)).collect();
    while iterations < params.max_iter {
        if gnorm <= params.tol {
            stop = StopReason::Converged;
            break;
        }
        if !(f.is_finite() && gnorm.is_finite()) {
            stop = StopReason::Diverged;
            break;
        }
        iterations += 1;
        let hessian = |v: &[f64], out: &mut [f64]| {
            let point: Vec<Dual<f64>> = z.iter().zip(v).map(|(&a, &b)| Dual::new(a, b)).collect();
            let mut grad = vec![Dual::constant(0.0); p];
            full.gradient(&point, &duals, &mut grad);
            out.iter_mut().zip(&grad).for_each(|(o, d)| *o = d.eps);
        };
        let minus_g: Vec<f64> = g.iter().map(|v| -v).collect();
        let forcing = gnorm.sqrt().min(0.5);
        let (d, _) = cg(hessian, &minus_g, None, forcing, p.max(10))?;
        let slope: f64 = g.iter().zip(&d).map(|(a, b)| a * b).sum();
        let mut t = 1.0;
        let mut accepted = false;
        for _ in 0..=MAX_HALVINGS {
            trial
                .iter_mut()
                .zip(z.iter().zip(&d))
                .for_each(|(x, (zi, di))| *x = zi + t * di);
            let f_trial = full.value(&trial, theta);
            // Within the rounding floor `f + c·t·gᵀd` rounds to `f`: only the gradient can
            // tell a better point there.
            let floor = (f_trial - f).abs() <= 8.0 * f64::EPSILON * f.abs();
            if floor || f_trial <= f + 1e-4 * t * slope {
                full.gradient(&trial, theta, &mut g_trial);
                let g_trial_norm = norm(&g_trial);
                if !floor || g_trial_norm <= 0.5 * gnorm {
                    std::mem::swap(&mut z, &mut trial);
                    std::mem::swap(&mut g, &mut g_trial);
                    (f, gnorm, accepted) = (f_trial, g_trial_norm, true);
                    break;
                }
            }
            t *= 0.5;
        }
        if !accepted {
            break;
        }
    }
    if stop == StopReason::MaxIterations && gnorm <= params.tol {
        stop = StopReason::Converged;
    }
    let report = SolveReport {
        iterations,
        residual: gnorm,
        duality_gap: None,
        objective: f,
        stop,
        history: None,
        margin: None,
    };
    Ok(Solution { x: z, report })
}

fn check(v: &[f64], expected: usize, what: &'static str) -> Result<(), OptimError> {
    if v.len() != expected {
        return Err(OptimError::ShapeMismatch {
            what,
            expected,
            got: v.len(),
        });
    }
    if v.iter().any(|x| !x.is_finite()) {
        return Err(OptimError::NonFinite { what });
    }
    Ok(())
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}
