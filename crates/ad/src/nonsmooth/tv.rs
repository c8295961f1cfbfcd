//! The prox of the 1-D total variation, `prox_{λTV}(y) = argmin_x ½‖x − y‖² + λ Σᵢ |xᵢ₊₁ − xᵢ|`,
//! by the taut-string algorithm.
//!
//! ## The math
//! With the cumulative sums `Rₖ = Σ_{i<k} yᵢ` (`k = 0..n`), the solution is `xᵢ = S(i+1) − S(i)`
//! where `S` is the taut string: the shortest path from `(0, 0)` to `(n, Rₙ)` inside the tube
//! `|S(k) − Rₖ| ≤ λ` (the dual of the prox: `S(k) = Rₖ − uₖ`, `|uₖ| ≤ λ`). It is found by a
//! funnel sweep: from the last bend, keep the smallest slope to the upper tube points and the
//! largest slope to the lower ones; when they cross, the string bends on the tube wall where the
//! binding slope was attained. The result is exact (no iteration, no tolerance); the cost is
//! O(n) per segment, O(n²) in the worst case and about linear in practice.
//!
//! ## Conservative Jacobian
//! Between two bends `a < b` the output is constant,
//! `x = (Σ_{a≤i<b} yᵢ + λ·(σ_a − σ_b)) / (b − a)`, where `σ = +1` at a bend on the lower wall
//! (`S = R − λ`, a jump down into it), `σ = −1` on the upper wall and `σ = 0` at the ends. The
//! segments and signs are found on the `f64` primal values; each segment is then recomputed from
//! this closed form in the scalar type, so every AD mode gets the piecewise-constant Jacobian:
//! `∂x/∂y` averages `dy` over each segment and `∂x/∂λ = (σ_a − σ_b)/(b − a)`. A constant signal is
//! one segment with `σ = 0` at both ends (Jacobian: the mean, and 0 in λ).

use super::{check_len, check_nonneg};
use crate::Scalar;

/// A maximal run `[start, end)` of the solution with its wall signs at both ends.
#[derive(Clone, Copy, Debug)]
struct Segment {
    start: usize,
    end: usize,
    /// `σ_start − σ_end`: the coefficient of `λ` in the segment's sum.
    sigma_diff: f64,
}

/// The segments of `prox_{λTV}(y)` (module doc), by the taut-string funnel sweep.
fn tv_segments(y: &[f64], lambda: f64) -> Vec<Segment> {
    let n = y.len();
    let mut cum = vec![0.0; n + 1];
    for (k, &v) in y.iter().enumerate() {
        cum[k + 1] = cum[k] + v;
    }
    let wall = |k: usize| {
        if k == n {
            (cum[n], cum[n])
        } else {
            (cum[k] - lambda, cum[k] + lambda)
        }
    };
    let mut segments = Vec::new();
    let (mut a, mut s_a, mut sigma_a) = (0_usize, 0.0_f64, 0.0_f64);
    while a < n {
        let (mut min_up, mut i_up) = (f64::INFINITY, a);
        let (mut max_lo, mut i_lo) = (f64::NEG_INFINITY, a);
        let mut bend = None;
        for j in a + 1..=n {
            let (lo, up) = wall(j);
            let d = (j - a) as f64;
            let (slope_lo, slope_up) = ((lo - s_a) / d, (up - s_a) / d);
            if slope_lo > min_up {
                bend = Some((i_up, -1.0));
                break;
            }
            if slope_up < max_lo {
                bend = Some((i_lo, 1.0));
                break;
            }
            if slope_up <= min_up {
                (min_up, i_up) = (slope_up, j);
            }
            if slope_lo >= max_lo {
                (max_lo, i_lo) = (slope_lo, j);
            }
        }
        let (end, sigma_end) = bend.unwrap_or((n, 0.0));
        segments.push(Segment {
            start: a,
            end,
            sigma_diff: sigma_a - sigma_end,
        });
        (a, sigma_a) = (end, sigma_end);
        s_a = if end < n {
            cum[end] - lambda * sigma_end
        } else {
            cum[n]
        };
    }
    segments
}

/// The prox of `λ·TV` in 1-D, `argmin_x ½‖x − y‖² + λ Σ|xᵢ₊₁ − xᵢ|`, exact (taut string),
/// differentiable in `y` and `λ ≥ 0` (module doc: algorithm and conservative Jacobian).
/// A NaN anywhere gives an all-NaN output.
///
/// ```
/// use hypergrad_ad::nonsmooth::prox_tv1d;
/// let mut x = [0.0; 2];
/// prox_tv1d(&[0.0, 10.0], 1.0, &mut x);
/// assert_eq!(x, [1.0, 9.0]);
/// ```
///
/// # Panics
/// If `out.len() != y.len()` or `λ < 0`.
pub fn prox_tv1d<S: Scalar>(y: &[S], lambda: S, out: &mut [S]) {
    check_len("prox_tv1d", "out", out.len(), y.len());
    check_nonneg("prox_tv1d", "lambda", lambda.to_f64_value());
    let primal: Vec<f64> = y.iter().map(Scalar::to_f64_value).collect();
    if primal.iter().any(|v| v.is_nan()) {
        out.fill(S::nan());
        return;
    }
    for seg in tv_segments(&primal, lambda.to_f64_value()) {
        let sum: S = y[seg.start..seg.end].iter().copied().sum();
        let len = S::from_f64((seg.end - seg.start) as f64);
        let value = (sum + lambda.scale(S::Real::from_f64(seg.sigma_diff))) * len.recip();
        out[seg.start..seg.end].fill(value);
    }
}

/// The Jacobian of [`prox_tv1d`] applied to `(dy, dλ)`: on each segment `[a, b)`,
/// `(Σ_{a≤i<b} dyᵢ + dλ·(σ_a − σ_b)) / (b − a)`.
///
/// # Panics
/// If `dy` or `out` differ in length from `y`.
pub fn prox_tv1d_jvp(y: &[f64], lambda: f64, dy: &[f64], dlambda: f64, out: &mut [f64]) {
    check_len("prox_tv1d_jvp", "dy", dy.len(), y.len());
    check_len("prox_tv1d_jvp", "out", out.len(), y.len());
    for seg in tv_segments(y, lambda) {
        let sum: f64 = dy[seg.start..seg.end].iter().sum();
        let len = (seg.end - seg.start) as f64;
        out[seg.start..seg.end].fill((sum + dlambda * seg.sigma_diff) / len);
    }
}
