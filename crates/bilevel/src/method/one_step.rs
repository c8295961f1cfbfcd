//! [`Method::OneStep`](crate::Method::OneStep) (Bolte, Pauwels, Vaiter): `J ≈ B = ∂_θT(x̂, θ)`,
//! the derivative of one application of `T` at the solution (restricted to the support when
//! there is one), so `∂h/∂θ_i ≈ ∂_{θ_i}C + ∇ₓC·B e_i`.
//!
//! Its bias is the rest of the Neumann series, `∇ₓCᵀ (I − A)⁻¹ A B e_i`, estimated per lane as
//! in the forward form (three terms and a geometric tail,
//! [`resolved`](super::forward_form::resolved));
//! inner error `|G_i(x') − G_i(x̂)|` at the corrected point `x' ≈ x*` with
//! `G_i = ∂_{θ_i}C + ∇ₓC·B e_i` (both `∇ₓC` and `B` move with x).

use super::forward_form::{powers, resolved, SERIES_TERMS};
use super::{by_chunk, contraction_of, kappa, rounding, Derivative, Inputs};
use crate::diagnostics::{ErrorParts, WarmStart};
use crate::linalg::dot;
use crate::operator::FixedPoint;
use crate::{BilevelError, Criterion};
use hypergrad_optim::FixedPointMap;

pub(super) fn run<P: FixedPointMap, C: Criterion>(
    inputs: &Inputs<'_, P, C>,
    warm: &mut WarmStart,
) -> Result<Derivative, BilevelError> {
    let fp = inputs.at_solution(true);
    let m = inputs.theta.len();
    let lanes: Vec<usize> = (0..m).collect();
    let rho = contraction_of(&fp, None, warm);
    let kappa = kappa(rho);
    let shifted = fp.corrected(rho, kappa);
    let fp_shifted = fp.at(&shifted);
    let (mut b, mut series, mut b_shifted) = (Vec::new(), Vec::new(), Vec::new());
    for chunk in lanes.chunks(8) {
        let step = by_chunk!(chunk.len(), derivative_of_step(&fp, chunk));
        let after = by_chunk!(
            chunk.len(),
            powers(&fp, chunk, step.clone(), SERIES_TERMS + 1)
        );
        series.extend(after.into_iter().map(|mut p| p.split_off(1)));
        b.extend(step);
        b_shifted.extend(by_chunk!(
            chunk.len(),
            derivative_of_step(&fp_shifted, chunk)
        ));
    }
    let (gx, gt) = fp.criterion_gradient();
    let (gx2, gt2) = fp_shifted.criterion_gradient();
    let grad: Vec<f64> = lanes.iter().map(|&i| gt[i] + dot(&gx, &b[i])).collect();
    let (mut bias_sq, mut inner_sq) = (0.0, 0.0);
    for i in 0..m {
        let bias = resolved(&fp, &gx, &series[i], rho, kappa);
        let inner = (gt2[i] + dot(&gx2, &b_shifted[i]) - grad[i]).abs();
        bias_sq += bias * bias;
        inner_sq += inner * inner;
    }
    let error = ErrorParts {
        inner: inner_sq.sqrt(),
        linear: 0.0,
        bias: bias_sq.sqrt(),
        rounding: rounding(kappa, &grad, &gt),
    };
    warm.jacobian = Some(b);
    Ok(Derivative {
        grad,
        error,
        contraction: Some(rho),
        iterations: 1,
        ..Derivative::default()
    })
}

/// `B e_l` for the lanes of a chunk.
fn derivative_of_step<const N: usize, P: FixedPointMap, C: Criterion>(
    fp: &FixedPoint<'_, P, C>,
    lanes: &[usize],
) -> Vec<Vec<f64>> {
    let (p, k) = (fp.dim(), lanes.len());
    let mut buffers = fp.lanes::<N>();
    let mut b = vec![vec![0.0; p]; k];
    fp.jvp(&mut buffers, &vec![vec![0.0; p]; k], lanes, 1.0, &mut b);
    b
}
