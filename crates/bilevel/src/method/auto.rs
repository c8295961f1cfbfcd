//! [`Method::Auto`](crate::Method::Auto): chooses the method from the problem and reports why.
//!
//! 1. The model's exact [`solution_vjp`](FixedPointMap::solution_vjp), when it has one (on a
//!    model with a support, only with its [`refined_solution`](FixedPointMap::refined_solution):
//!    the derivative is computed again there, and the difference is the error that the
//!    inexact solve causes).
//! 2. Otherwise implicit differentiation, restricted to the support when there is one, by warm
//!    Neumann iterations handing over to a Krylov method (CG when `I − A` is measured
//!    symmetric, BiCGSTAB otherwise, GMRES on breakdown): in the forward form from the previous
//!    Jacobian for at most 8 hyperparameters (one chunk of lanes per evaluation of `T`), in the
//!    adjoint form from the previous adjoint for more (one system instead of one per
//!    hyperparameter).
//! 3. When the first Neumann step from `J = 0` already meets the tolerance (`‖A·B‖ ≤ tol‖B‖`:
//!    `ρ ≈ 0`, a Newton step), the result is the one-step estimate, exact there; it is reported
//!    as such.

use super::forward_form::Start;
use super::{adjoint_form, forward_form, rounding, Derivative, Inputs, FORWARD_LANES};
use crate::diagnostics::{ErrorParts, WarmStart};
use crate::linear::Strategy;
use crate::operator::FixedPoint;
use crate::{BilevelError, Criterion, LinearSolver, Method};
use hypergrad_optim::FixedPointMap;

pub(super) fn run<P: FixedPointMap, C: Criterion>(
    inputs: &Inputs<'_, P, C>,
    warm: &mut WarmStart,
) -> Result<Derivative, BilevelError> {
    let fp = inputs.at_solution(true);
    let (m, restricted) = (inputs.theta.len(), inputs.support.is_some());
    if let Some(derivative) = direct(inputs, &fp)? {
        return Ok(derivative);
    }
    let on = if restricted {
        "on the support"
    } else {
        "on the full state (no support)"
    };
    if m <= FORWARD_LANES {
        let strategy = Strategy::WarmNeumann;
        let solved = forward_form::solve(&fp, strategy, Start::Previous, inputs.options, warm)?;
        let (method, choice) = if solved.one_step_exact {
            (
                Method::OneStep,
                format!("one-step: ‖∂ₓT·∂_θT‖ ≤ tol·‖∂_θT‖ {on} (ρ ≈ 0), where it is exact"),
            )
        } else {
            let method = if restricted {
                Method::ImplicitForward
            } else {
                Method::Implicit {
                    linear_solver: solved.linear.solver.unwrap_or(LinearSolver::Neumann),
                }
            };
            (method, format!("forward form {on}: {m} hyperparameter(s) ≤ {FORWARD_LANES}, one chunk of lanes; warm Neumann iterations (Krylov after {})", crate::linear::NEUMANN_BUDGET))
        };
        let mut derivative: Derivative = solved.into();
        derivative.chosen = Some((method, choice));
        Ok(derivative)
    } else {
        let solved = adjoint_form::solve(&fp, Strategy::WarmNeumann, true, inputs.options, warm)?;
        let solver = solved.linear.solver.unwrap_or(LinearSolver::Neumann);
        let choice = format!("adjoint form {on}: {m} hyperparameters > {FORWARD_LANES}, one system for all; warm Neumann iterations (Krylov after {})", crate::linear::NEUMANN_BUDGET);
        let mut derivative: Derivative = solved.into();
        derivative.chosen = Some((
            Method::Implicit {
                linear_solver: solver,
            },
            choice,
        ));
        Ok(derivative)
    }
}

/// The model's direct derivative `∂_θC + (∂x*/∂θ)ᵀ∇ₓC` ([`FixedPointMap::solution_vjp`]), if
/// it has one; see [`direct_at`].
fn direct<P: FixedPointMap, C: Criterion>(
    inputs: &Inputs<'_, P, C>,
    fp: &FixedPoint<'_, P, C>,
) -> Result<Option<Derivative>, BilevelError> {
    let restricted = inputs.support.is_some();
    let Some((grad, error)) = direct_at(inputs.problem, fp, restricted)? else {
        return Ok(None);
    };
    let on = if restricted { " on the support" } else { "" };
    let choice = format!("the model's exact solution derivative (a direct factorization{on})");
    Ok(Some(Derivative {
        grad,
        error,
        chosen: Some((
            Method::Implicit {
                linear_solver: LinearSolver::Dense,
            },
            choice,
        )),
        ..Derivative::default()
    }))
}

/// `∂_θC + (∂x*/∂θ)ᵀ∇ₓC` at the point of `fp` by the model's
/// [`solution_vjp`](FixedPointMap::solution_vjp), with its error parts: rounding, and (`restricted`:
/// the point has a support) the inner error `‖ĝ(x') − ĝ(x̂)‖`, the same formula at the model's
/// refined point `x'` ([`FixedPointMap::refined_solution`]). `None` without a direct product (or,
/// restricted, without a refined point or a direct product there).
pub(super) fn direct_at<P: FixedPointMap, C: Criterion>(
    problem: &P,
    fp: &FixedPoint<'_, P, C>,
    restricted: bool,
) -> Result<Option<(Vec<f64>, ErrorParts)>, BilevelError> {
    let (theta, x) = (fp.theta, fp.x);
    let refined = match restricted {
        true => match problem.refined_solution(x, theta) {
            Some(r) => Some(r),
            None => return Ok(None),
        },
        false => None,
    };
    let gradient_at = |fp: &FixedPoint<'_, P, C>, at: &[f64]| {
        let (gx, gt) = fp.criterion_gradient();
        problem.solution_vjp(at, theta, &gx).map(|product| {
            product.map(|product| {
                gt.iter()
                    .zip(product)
                    .map(|(a, b)| a + b)
                    .collect::<Vec<f64>>()
            })
        })
    };
    let Some(grad) = gradient_at(fp, x).transpose()? else {
        return Ok(None);
    };
    let (_, gt) = fp.criterion_gradient();
    let inner = match &refined {
        Some(r) => match gradient_at(&fp.at(r), r) {
            Some(Ok(moved)) => {
                let gap: Vec<f64> = moved.iter().zip(&grad).map(|(a, b)| a - b).collect();
                crate::linalg::norm(&gap)
            }
            _ => return Ok(None),
        },
        None => 0.0,
    };
    let error = ErrorParts {
        inner,
        rounding: rounding(1.0, &grad, &gt),
        ..ErrorParts::default()
    };
    Ok(Some((grad, error)))
}
