//! [`Method::Fpad`](crate::Method::Fpad), fixed-point AD (Mehmood & Ochs): the derivative
//! recursion of `T` at the fixed point on the full space (no support restriction), forward
//! `J_{k+1} = AJ_k + B` from `J_0 = 0` or reverse `v_{k+1} = Aᵀv_k + ∇ₓC` from the previous
//! adjoint. A diverging recursion hands over to GMRES, reported.

use super::forward_form::Start;
use super::{adjoint_form, forward_form, Derivative, Inputs};
use crate::diagnostics::WarmStart;
use crate::linear::Strategy;
use crate::{BilevelError, Criterion, FpadMode, LinearSolver};
use hypergrad_optim::FixedPointMap;

pub(super) fn run<P: FixedPointMap, C: Criterion>(
    inputs: &Inputs<'_, P, C>,
    mode: FpadMode,
    warm: &mut WarmStart,
) -> Result<Derivative, BilevelError> {
    let fp = inputs.at_solution(false);
    let recursion = Strategy::Fixed(LinearSolver::Neumann);
    match mode {
        FpadMode::Forward => {
            Ok(forward_form::solve(&fp, recursion, Start::Zero, inputs.options, warm)?.into())
        }
        FpadMode::Reverse => {
            Ok(adjoint_form::solve(&fp, recursion, true, inputs.options, warm)?.into())
        }
    }
}
