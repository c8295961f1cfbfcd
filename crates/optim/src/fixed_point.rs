//! [`FixedPointMap`]: the update of an iterative algorithm, generic over the scalar.

use hypergrad_ad::Scalar;

/// The update `x_{k+1} = T(x_k, θ)` of an iterative algorithm.
///
/// Written once, generic over [`Scalar`]: run on `f64` it solves, on dual numbers it propagates
/// the Jacobian `∂x_k/∂θ` (forward unrolling, FPAD), on tape variables it records the iterations
/// for a reverse sweep. A user's own solver plugs into every hypergradient method by
/// implementing this one trait.
///
/// ```
/// use hypergrad_ad::Scalar;
/// use hypergrad_optim::FixedPointMap;
///
/// /// Gradient descent on ½(x − θ)²: T(x, θ) = x − ½(x − θ).
/// struct HalfStep;
/// impl FixedPointMap for HalfStep {
///     fn dim_x(&self) -> usize { 1 }
///     fn dim_theta(&self) -> usize { 1 }
///     fn apply<S: Scalar>(&self, x: &[S], theta: &[S], out: &mut [S]) {
///         out[0] = x[0] - (x[0] - theta[0]) * S::from_f64(0.5);
///     }
/// }
/// let mut x = [0.0_f64];
/// let mut next = [0.0];
/// for _ in 0..60 {
///     HalfStep.apply(&x, &[3.0], &mut next);
///     x = next;
/// }
/// assert!((x[0] - 3.0).abs() < 1e-12);
/// ```
pub trait FixedPointMap {
    /// The dimension of the iterate `x`.
    fn dim_x(&self) -> usize;
    /// The number of parameters `θ`.
    fn dim_theta(&self) -> usize;
    /// Writes `T(x, θ)` into `out` (`x.len() == out.len() == dim_x()`, `theta.len() == dim_theta()`).
    fn apply<S: Scalar>(&self, x: &[S], theta: &[S], out: &mut [S]);

    /// `T` restricted to the coordinates in `support`: updates those (in that order) and leaves
    /// the others as in `x`. The support-restricted hypergradient methods call it at a fixed
    /// point whose coordinates off the support are 0 and inactive, where it has the same
    /// Jacobian on the support as [`FixedPointMap::apply`] — at the cost of |S| coordinates
    /// instead of all. The default is the full update.
    fn apply_on_support<S: Scalar>(&self, x: &[S], theta: &[S], support: &[usize], out: &mut [S]) {
        let _ = support;
        self.apply(x, theta, out);
    }
}
