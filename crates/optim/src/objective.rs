//! [`Objective`]: the smooth part `f(x, θ)` of a problem, with AD-derived gradient and
//! Hessian-vector product.
//!
//! A model writes `value` once, generic over [`Scalar`]; the gradient and `hvp` then come from
//! forward-mode AD. The defaults use forward mode because it is what exists today:
//! * gradient: `DualVec<S, GRADIENT_CHUNK>` seeded with `GRADIENT_CHUNK` unit directions per pass,
//!   so `⌈n / GRADIENT_CHUNK⌉` evaluations of `f`;
//! * hvp: forward-over-forward, `DualVec<Dual<S>, GRADIENT_CHUNK>` with the inner `Dual` carrying
//!   the direction `v` and the outer lanes unit directions: lane `i` holds `∂ᵢ(∇f·v) = (Hv)ᵢ`.
//!
//! Both live in the free functions [`forward_gradient`] and [`forward_hvp`], the only place to
//! change now that the reverse-mode tape lands (`hypergrad_ad::reverse::{gradient, hvp}`:
//! gradient in one pass, hvp at a small multiple of it, for `f64`): point the `gradient_f64` /
//! `hvp_f64` defaults at reverse-mode versions and nothing else moves; the generic `gradient` /
//! `hvp` stay forward (they must run on any `S`, including duals).
//! Models with a closed form override the fast `f64` methods [`Objective::gradient_f64`] and
//! [`Objective::hvp_f64`].

use hypergrad_ad::{Dual, DualVec, Scalar};

/// Number of tangent lanes per forward-mode pass in the AD defaults.
pub const GRADIENT_CHUNK: usize = 8;

/// A smooth objective `f(x, θ)`, `x ∈ ℝⁿ` the variable, `θ ∈ ℝᵐ` the hyperparameters.
///
/// ```
/// use hypergrad_ad::Scalar;
/// use hypergrad_optim::Objective;
///
/// /// f(x, θ) = ½‖x − θ‖².
/// struct Distance;
/// impl Objective for Distance {
///     fn dim(&self) -> usize { 2 }
///     fn dim_theta(&self) -> usize { 2 }
///     fn value<S: Scalar>(&self, x: &[S], theta: &[S]) -> S {
///         x.iter().zip(theta).map(|(&a, &b)| (a - b) * (a - b)).sum::<S>() * 0.5
///     }
/// }
/// let mut g = [0.0; 2];
/// Distance.gradient_f64(&[3.0, 1.0], &[1.0, 1.0], &mut g);
/// assert_eq!(g, [2.0, 0.0]);
/// ```
pub trait Objective {
    /// The dimension n of `x`.
    fn dim(&self) -> usize;

    /// The number m of hyperparameters `θ` (0 if none).
    fn dim_theta(&self) -> usize {
        0
    }

    /// `f(x, θ)`, generic over the scalar.
    fn value<S: Scalar>(&self, x: &[S], theta: &[S]) -> S;

    /// `∇ₓf(x, θ)` into `out`, generic over the scalar (forward AD by default).
    fn gradient<S: Scalar>(&self, x: &[S], theta: &[S], out: &mut [S]) {
        forward_gradient(self, x, theta, out);
    }

    /// `∇²ₓₓf(x, θ)·v` into `out`, generic over the scalar (forward-over-forward AD by default).
    fn hvp<S: Scalar>(&self, x: &[S], theta: &[S], v: &[S], out: &mut [S]) {
        forward_hvp(self, x, theta, v, out);
    }

    /// `f(x, θ)` on `f64`; override when a faster path exists.
    fn value_f64(&self, x: &[f64], theta: &[f64]) -> f64 {
        self.value(x, theta)
    }

    /// `∇ₓf(x, θ)` on `f64`; override with a closed form (it must agree with [`Objective::gradient`]).
    fn gradient_f64(&self, x: &[f64], theta: &[f64], out: &mut [f64]) {
        self.gradient(x, theta, out);
    }

    /// `∇²ₓₓf(x, θ)·v` on `f64`; override with a closed form (it must agree with [`Objective::hvp`]).
    fn hvp_f64(&self, x: &[f64], theta: &[f64], v: &[f64], out: &mut [f64]) {
        self.hvp(x, theta, v, out);
    }
}

/// `∇ₓf(x, θ)` by forward mode, `GRADIENT_CHUNK` partial derivatives per evaluation of `f`.
///
/// # Panics
/// If `out.len() != x.len()`.
pub fn forward_gradient<O: Objective + ?Sized, S: Scalar>(
    objective: &O,
    x: &[S],
    theta: &[S],
    out: &mut [S],
) {
    assert_eq!(
        out.len(),
        x.len(),
        "forward_gradient: out has the wrong length"
    );
    let theta_c: Vec<DualVec<S, GRADIENT_CHUNK>> =
        theta.iter().map(|&t| DualVec::constant(t)).collect();
    let mut xd: Vec<DualVec<S, GRADIENT_CHUNK>> = x.iter().map(|&v| DualVec::constant(v)).collect();
    for start in (0..x.len()).step_by(GRADIENT_CHUNK) {
        let end = (start + GRADIENT_CHUNK).min(x.len());
        for (lane, (xi, &v)) in xd[start..end].iter_mut().zip(&x[start..end]).enumerate() {
            *xi = DualVec::variable(v, lane);
        }
        let f = objective.value(&xd, &theta_c);
        out[start..end].copy_from_slice(&f.eps[..end - start]);
        for (xi, &v) in xd[start..end].iter_mut().zip(&x[start..end]) {
            *xi = DualVec::constant(v);
        }
    }
}

/// `∇²ₓₓf(x, θ)·v` by forward-over-forward mode: the inner [`Dual`] carries the direction `v`,
/// the outer lanes unit directions `eᵢ`, so lane `i` of the result is `eᵢᵀ∇²f v`.
///
/// # Panics
/// If `v.len()` or `out.len()` differs from `x.len()`.
pub fn forward_hvp<O: Objective + ?Sized, S: Scalar>(
    objective: &O,
    x: &[S],
    theta: &[S],
    v: &[S],
    out: &mut [S],
) {
    assert_eq!(v.len(), x.len(), "forward_hvp: v has the wrong length");
    assert_eq!(out.len(), x.len(), "forward_hvp: out has the wrong length");
    type Nested<S> = DualVec<Dual<S>, GRADIENT_CHUNK>;
    let theta_c: Vec<Nested<S>> = theta
        .iter()
        .map(|&t| DualVec::constant(Dual::constant(t)))
        .collect();
    let base = |i: usize| Dual::new(x[i], v[i]);
    let mut xd: Vec<Nested<S>> = (0..x.len()).map(|i| DualVec::constant(base(i))).collect();
    for start in (0..x.len()).step_by(GRADIENT_CHUNK) {
        let end = (start + GRADIENT_CHUNK).min(x.len());
        for (lane, xi) in xd[start..end].iter_mut().enumerate() {
            *xi = DualVec::variable(base(start + lane), lane);
        }
        let f = objective.value(&xd, &theta_c);
        for (o, e) in out[start..end].iter_mut().zip(&f.eps) {
            *o = e.eps;
        }
        for (lane, xi) in xd[start..end].iter_mut().enumerate() {
            *xi = DualVec::constant(base(start + lane));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rosenbrock in n dimensions with the scale 100 replaced by θ₀.
    struct Rosen(usize);
    impl Objective for Rosen {
        fn dim(&self) -> usize {
            self.0
        }
        fn dim_theta(&self) -> usize {
            1
        }
        fn value<S: Scalar>(&self, x: &[S], theta: &[S]) -> S {
            x.windows(2)
                .map(|w| {
                    let a = w[1] - w[0] * w[0];
                    let b = S::one() - w[0];
                    theta[0] * a * a + b * b
                })
                .sum()
        }
    }

    /// Closed-form gradient of the 2-D Rosenbrock function with scale c.
    fn rosen2_grad(x: [f64; 2], c: f64) -> [f64; 2] {
        let a = x[1] - x[0] * x[0];
        [-4.0 * c * a * x[0] - 2.0 * (1.0 - x[0]), 2.0 * c * a]
    }

    #[test]
    fn gradient_matches_closed_form() {
        let mut g = [0.0; 2];
        Rosen(2).gradient_f64(&[0.3, -0.7], &[100.0], &mut g);
        let e = rosen2_grad([0.3, -0.7], 100.0);
        // Forward AD is exact up to rounding of O(10²)-sized terms.
        assert!((g[0] - e[0]).abs() < 1e-12 && (g[1] - e[1]).abs() < 1e-12);
    }

    #[test]
    fn hvp_matches_finite_differences_of_gradient_across_chunks() {
        // n = 19 spans three chunks (8 + 8 + 3).
        let n = 19;
        let obj = Rosen(n);
        let x: Vec<f64> = (0..n).map(|i| 0.1 * (i as f64) - 0.8).collect();
        let v: Vec<f64> = (0..n).map(|i| ((i * 7) % 5) as f64 - 2.0).collect();
        let mut hv = vec![0.0; n];
        obj.hvp_f64(&x, &[100.0], &v, &mut hv);
        let h = 1e-6;
        let (mut gp, mut gm) = (vec![0.0; n], vec![0.0; n]);
        let xp: Vec<f64> = x.iter().zip(&v).map(|(a, b)| a + h * b).collect();
        let xm: Vec<f64> = x.iter().zip(&v).map(|(a, b)| a - h * b).collect();
        obj.gradient_f64(&xp, &[100.0], &mut gp);
        obj.gradient_f64(&xm, &[100.0], &mut gm);
        for i in 0..n {
            let fd = (gp[i] - gm[i]) / (2.0 * h);
            // Central FD error O(h²·f''') ≈ 1e-12·10³ plus rounding ε·|g|/h ≈ 1e-16·10³/1e-6.
            assert!(
                (hv[i] - fd).abs() < 1e-5 * (1.0 + fd.abs()),
                "{i}: {} vs {fd}",
                hv[i]
            );
        }
    }
}
