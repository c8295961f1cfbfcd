//! [`Method::ImplicitForward`](crate::Method::ImplicitForward) (sparse-ho's scheme): the
//! forward form on the support by warm Neumann iterations `J ← AJ + B` from the previous
//! Jacobian, handing over to a Krylov method after 100 steps without convergence.

use super::forward_form::Start;
use super::{forward_form, Derivative, Inputs};
use crate::diagnostics::WarmStart;
use crate::linear::Strategy;
use crate::{BilevelError, Criterion, Method};
use hypergrad_optim::FixedPointMap;

pub(super) fn run<P: FixedPointMap, C: Criterion>(
    inputs: &Inputs<'_, P, C>,
    warm: &mut WarmStart,
) -> Result<Derivative, BilevelError> {
    if inputs.support.is_none() {
        return Err(BilevelError::Unsupported {
            method: Method::ImplicitForward.name(),
            needs: "the support of the solution",
        });
    }
    let fp = inputs.at_solution(true);
    let strategy = Strategy::WarmNeumann;
    Ok(forward_form::solve(&fp, strategy, Start::Previous, inputs.options, warm)?.into())
}
