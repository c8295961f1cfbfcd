//! [`Method::Auto`](crate::Method::Auto): chooses the method from the problem and reports why.
//!
//! 1. The model's exact [`solution_vjp`](FixedPointMap::solution_vjp), when it has one.
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
use crate::{BilevelError, Criterion, LinearSolver, Method};
use hypergrad_optim::FixedPointMap;

pub(super) fn run<P: FixedPointMap, C: Criterion>(
    inputs: &Inputs<'_, P, C>,
    warm: &mut WarmStart,
) -> Result<Derivative, BilevelError> {
    let fp = inputs.at_solution(true);
    let (m, restricted) = (inputs.theta.len(), inputs.support.is_some());
    let (gx, gt) = fp.criterion_gradient();
    if let Some(product) = inputs
        .problem
        .solution_vjp(&inputs.solution.x, inputs.theta, &gx)
    {
        let grad: Vec<f64> = gt.iter().zip(product?).map(|(a, b)| a + b).collect();
        let error = ErrorParts {
            rounding: rounding(1.0, &grad, &gt),
            ..ErrorParts::default()
        };
        let choice = "the model's exact solution derivative (a direct factorization)".to_string();
        return Ok(Derivative {
            grad,
            error,
            chosen: Some((
                Method::Implicit {
                    linear_solver: LinearSolver::Dense,
                },
                choice,
            )),
            ..Derivative::default()
        });
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
