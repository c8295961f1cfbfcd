//! [`Method::ForwardUnrolled`](crate::Method::ForwardUnrolled): forward mode through the
//! iterations `x_{k+1} = U_k(x_k, θ)` of the inner solver ([`Unrolling`]: its epochs on working
//! sets, or the plain iterations of `T`) from the inner solve's start, a chunk of hyperparameters
//! per pass on [`DualVec`] numbers; from a warm start the tangents start at the previous
//! Jacobian.
//!
//! Error estimate: the distance to the implicit derivative at the last iterate
//! ([`reference_at`]: the model's direct derivative there, else solved from the unrolled
//! tangents themselves, a few warm Neumann steps when the unrolling has converged), plus that
//! reference's own error ([`unrolled_error`]).

use super::{by_chunk, reference_at, unrolled_error, Derivative, Inputs, Unrolling};
use crate::diagnostics::WarmStart;
use crate::linalg::dot;
use crate::{BilevelError, Criterion};
use hypergrad_ad::DualVec;
use hypergrad_optim::FixedPointMap;

pub(super) fn run<P: FixedPointMap, C: Criterion>(
    inputs: &Inputs<'_, P, C>,
    warm: &mut WarmStart,
) -> Result<Derivative, BilevelError> {
    let program = Unrolling::of(inputs)?;
    let steps = program.steps;
    let (p, m) = (inputs.start.len(), inputs.theta.len());
    let previous = warm
        .jacobian
        .take()
        .filter(|cols| inputs.warm_started && cols.len() == m && cols.iter().all(|c| c.len() == p));
    let lanes: Vec<usize> = (0..m).collect();
    let (mut last, mut columns) = (Vec::new(), Vec::with_capacity(m));
    for chunk in lanes.chunks(8) {
        let start = previous
            .as_ref()
            .map(|cols| &cols[chunk[0]..chunk[0] + chunk.len()]);
        let (x, cols) = by_chunk!(chunk.len(), unroll(inputs, chunk, start, &program));
        last = x;
        columns.extend(cols);
    }
    let fp = inputs.at_solution(false);
    let (gx, gt) = fp.at(&last).criterion_gradient();
    let grad: Vec<f64> = lanes
        .iter()
        .map(|&i| gt[i] + dot(&gx, &columns[i]))
        .collect();
    let reference = reference_at(inputs, &last, Some(&columns), warm);
    let (error, contraction) = unrolled_error(&grad, reference);
    warm.jacobian = Some(columns);
    Ok(Derivative {
        grad,
        x: Some(last),
        error,
        contraction,
        iterations: steps * m.div_ceil(8),
        ..Derivative::default()
    })
}

/// One chunk's unrolling: the last iterate and its tangents.
fn unroll<const N: usize, P: FixedPointMap, C: Criterion>(
    inputs: &Inputs<'_, P, C>,
    lanes: &[usize],
    tangents: Option<&[Vec<f64>]>,
    program: &Unrolling,
) -> (Vec<f64>, Vec<Vec<f64>>) {
    let mut x: Vec<DualVec<f64, N>> = inputs
        .start
        .iter()
        .enumerate()
        .map(|(j, &v)| {
            let mut eps = [0.0; N];
            if let Some(t) = tangents {
                t.iter().enumerate().for_each(|(l, col)| eps[l] = col[j]);
            }
            DualVec::new(v, eps)
        })
        .collect();
    let theta: Vec<DualVec<f64, N>> = inputs
        .theta
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let mut eps = [0.0; N];
            if let Some(l) = lanes.iter().position(|&lane| lane == i) {
                eps[l] = 1.0;
            }
            DualVec::new(v, eps)
        })
        .collect();
    let mut next = x.clone();
    for k in 0..program.steps {
        program.step(inputs.problem, k, &x, &theta, &mut next);
        std::mem::swap(&mut x, &mut next);
    }
    let values = x.iter().map(|d| d.re).collect();
    let columns = (0..lanes.len())
        .map(|l| x.iter().map(|d| d.eps[l]).collect())
        .collect();
    (values, columns)
}
