//! [`Method::JacobianFree`](crate::Method::JacobianFree) backpropagation: `(I − Aᵀ)⁻¹ ≈ I`, so
//! `∇h ≈ ∂_θC + Bᵀ∇ₓC`, one vector–Jacobian product at the solution.
//!
//! Its bias is the rest of the series, `Bᵀ(I − Aᵀ)⁻¹Aᵀ∇ₓC`, estimated as in the adjoint form
//! (three terms and a geometric tail, [`resolved`]); inner error `‖G(x') − G(x̂)‖` at the
//! corrected point `x' ≈ x*`, `G = ∂_θC + Bᵀ∇ₓC`.

use super::adjoint_form::resolved;
use super::{contraction_of, kappa, rounding, Derivative, Inputs};
use crate::diagnostics::{ErrorParts, WarmStart};
use crate::linalg::norm;
use crate::operator::FixedPoint;
use crate::{BilevelError, Criterion};
use hypergrad_optim::FixedPointMap;

pub(super) fn run<P: FixedPointMap, C: Criterion>(
    inputs: &Inputs<'_, P, C>,
    warm: &mut WarmStart,
) -> Result<Derivative, BilevelError> {
    let fp = inputs.at_solution(true);
    let rho = contraction_of(&fp, None, warm);
    let kappa = kappa(rho);
    let (grad, bias) = backpropagate(&fp, Some((rho, kappa)));
    let shifted = fp.corrected(rho, kappa);
    let (grad_shifted, _) = backpropagate(&fp.at(&shifted), None);
    let change: Vec<f64> = grad_shifted.iter().zip(&grad).map(|(a, b)| a - b).collect();
    let (_, gt) = fp.criterion_gradient();
    let error = ErrorParts {
        inner: norm(&change),
        linear: 0.0,
        bias,
        rounding: rounding(kappa, &grad, &gt),
    };
    Ok(Derivative {
        grad,
        error,
        contraction: Some(rho),
        iterations: 1,
        ..Derivative::default()
    })
}

/// `∂_θC + Bᵀ∇ₓC` and, given `(ρ, κ)`, the estimated dropped series `‖Bᵀ(I − Aᵀ)⁻¹Aᵀ∇ₓC‖`.
fn backpropagate<P: FixedPointMap, C: Criterion>(
    fp: &FixedPoint<'_, P, C>,
    bias_with: Option<(f64, f64)>,
) -> (Vec<f64>, f64) {
    let (gx, gt) = fp.criterion_gradient();
    let (p, m) = (fp.dim(), gt.len());
    fp.with_vjp(|vjp| {
        let (mut at_g, mut bt_g) = (vec![0.0; p], vec![0.0; m]);
        vjp(&gx, &mut at_g, Some(&mut bt_g));
        let grad = gt.iter().zip(&bt_g).map(|(a, b)| a + b).collect();
        let bias = bias_with.map_or(0.0, |rk| resolved(vjp, &at_g, m, rk));
        (grad, bias)
    })
}
