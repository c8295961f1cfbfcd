//! Support identification. The support-restricted formulas hold when `T` keeps every
//! coordinate off the support `S` at zero near `x̂`. An early-stopped solve can leave
//! coordinates `V` off `S` that `T` moves (violated optimality conditions): they enter the
//! support of `x*`, and the gradient computed on `S` misses them. Their effect is estimated as
//! the distance from `ĝ` to the implicit derivative at `x' = x̂ + δ`, one Newton step towards
//! `x*` over `S ∪ V` (`(I − A_{S∪V})δ = r_{S∪V}`, `r = T(x̂) − x̂`), plus that reference's own
//! error: exact to first order, since `T` is affine on a fixed sign pattern for the ℓ1 models.

use super::{implicit_at, kappa, Inputs, POWER_ITERATIONS};
use crate::diagnostics::WarmStart;
use crate::linalg::norm;
use crate::operator::{FixedPoint, Support};
use crate::Criterion;
use hypergrad_optim::FixedPointMap;

/// Coordinates off the support that `T` moves, and the error of `ĝ` they cause.
pub(crate) struct Unidentified {
    /// `|V|`.
    pub violations: usize,
    /// `‖g(x') − ĝ‖` plus the reference's own error parts (infinite if it failed).
    pub error: f64,
}

/// Checks the support of `x` for `grad` (`margin`: the non-degeneracy margin at `x`, if
/// known; a positive one proves there is nothing to check). `None` when `x` has no support or
/// `T` fixes every coordinate off it.
pub(crate) fn check<P: FixedPointMap, C: Criterion>(
    inputs: &Inputs<'_, P, C>,
    x: &[f64],
    grad: &[f64],
    margin: Option<f64>,
    warm: &mut WarmStart,
) -> Option<Unidentified> {
    if margin.is_some_and(|m| m > 0.0) {
        return None;
    }
    let support = inputs.problem.support(x)?;
    let p = x.len();
    let mut moved = vec![0.0; p];
    inputs.problem.apply(x, inputs.theta, &mut moved);
    let on = Support::new(p, support.clone());
    let violated: Vec<usize> = (0..p)
        .filter(|&j| !on.contains(j) && moved[j] != x[j])
        .collect();
    if violated.is_empty() {
        return None;
    }
    let mut enlarged = support;
    enlarged.extend_from_slice(&violated);
    enlarged.sort_unstable();
    let enlarged = Support::new(p, enlarged);
    let fp = FixedPoint::new(
        (inputs.problem, inputs.criterion),
        x,
        inputs.theta,
        Some(&enlarged),
    );
    let (rho, _) = fp.contraction(None, POWER_ITERATIONS);
    let shifted = fp.corrected(rho, kappa(rho));
    let error = match implicit_at(inputs, &shifted, None, warm) {
        Ok((reference, parts, _)) => {
            let gap: Vec<f64> = reference.iter().zip(grad).map(|(a, b)| a - b).collect();
            norm(&gap) + parts.total()
        }
        Err(_) => f64::INFINITY,
    };
    Some(Unidentified {
        violations: violated.len(),
        error,
    })
}
