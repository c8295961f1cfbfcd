//! Jacobian–vector products of a fixed-point map by forward mode, with reusable buffers.

use hypergrad_ad::Dual;
use hypergrad_optim::FixedPointMap;

/// Dual-number workspace for `T(x + ε dx, θ + ε dθ)`.
pub(crate) struct Jvp {
    x: Vec<Dual<f64>>,
    theta: Vec<Dual<f64>>,
    out: Vec<Dual<f64>>,
}

impl Jvp {
    /// A workspace at the point `(x, θ)`.
    pub(crate) fn at(x: &[f64], theta: &[f64]) -> Self {
        let x: Vec<_> = x.iter().map(|&v| Dual::constant(v)).collect();
        let out = x.clone();
        Self {
            x,
            theta: theta.iter().map(|&v| Dual::constant(v)).collect(),
            out,
        }
    }

    /// Writes `∂ₓT(x, θ)·dx + ∂_θT(x, θ)·dθ` into `tangent`, where `dθ` is the `lane`-th unit
    /// vector scaled by `theta_weight` (0 for a pure `∂ₓT` product); with a `support`, `T` is
    /// [`FixedPointMap::apply_on_support`].
    pub(crate) fn apply<M: FixedPointMap>(
        &mut self,
        map: &M,
        support: Option<&[usize]>,
        dx: &[f64],
        lane: usize,
        theta_weight: f64,
        tangent: &mut [f64],
    ) {
        for (d, &t) in self.x.iter_mut().zip(dx) {
            d.eps = t;
        }
        for (i, d) in self.theta.iter_mut().enumerate() {
            d.eps = if i == lane { theta_weight } else { 0.0 };
        }
        match support {
            Some(support) => map.apply_on_support(&self.x, &self.theta, support, &mut self.out),
            None => map.apply(&self.x, &self.theta, &mut self.out),
        }
        for (t, o) in tangent.iter_mut().zip(&self.out) {
            *t = o.eps;
        }
    }
}
