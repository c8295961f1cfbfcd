//! [`Method::Implicit`](crate::Method::Implicit): the implicit system on the support, by the
//! linear solver asked for, in the forward form for at most 8 hyperparameters (one chunk of
//! lanes) and in the adjoint form (warm-started from the previous adjoint) for more.

use super::forward_form::Start;
use super::{adjoint_form, forward_form, Derivative, Inputs, FORWARD_LANES};
use crate::diagnostics::WarmStart;
use crate::linear::Strategy;
use crate::{BilevelError, Criterion, LinearSolver};
use hypergrad_optim::FixedPointMap;

pub(super) fn run<P: FixedPointMap, C: Criterion>(
    inputs: &Inputs<'_, P, C>,
    solver: LinearSolver,
    warm: &mut WarmStart,
) -> Result<Derivative, BilevelError> {
    let fp = inputs.at_solution(true);
    let strategy = Strategy::Fixed(solver);
    Ok(if inputs.theta.len() <= FORWARD_LANES {
        forward_form::solve(&fp, strategy, Start::Zero, inputs.options, warm)?.into()
    } else {
        adjoint_form::solve(&fp, strategy, true, inputs.options, warm)?.into()
    })
}
