//! [`ElasticNet`]: `1/(2n)‖y − Xβ‖² + α₁‖β‖₁ + α₂/2 ‖β‖²`.

use super::l1l2::{penalized_least_squares_model, PenalizedLeastSquares};
use crate::{Design, LeastSquares, OptimError};
use hypergrad_ad::Scalar;
use ndarray::ArrayView1;

/// The elastic net `P(β) = 1/(2n)‖y − Xβ‖² + α₁‖β‖₁ + α₂/2 ‖β‖²` with `α₁ = exp(θ₀) > 0`,
/// `α₂ = exp(θ₁) > 0` (sparse-ho's parametrization), or, built by
/// [`with_l1_ratio`](Self::with_l1_ratio), with one hyperparameter `α = exp(θ₀)` and a fixed
/// mixing ratio `r`: `α₁ = rα`, `α₂ = (1 − r)α` (scikit-learn's `ElasticNet(alpha, l1_ratio)`).
/// `α₂ = 0` is the Lasso; `α₁ = 0` is ridge, solved in closed form by [`Ridge`](crate::Ridge)
/// (the rescaled-residual gap needs `α₁ > 0`).
///
/// As a [`FixedPointMap`](crate::FixedPointMap): one cyclic sweep,
/// `β_j ← st(L_j β_j + X_jᵀr/n, α₁)/(L_j + α₂)`, with `θ = [log α₁, log α₂]` or `θ = [log α]`.
///
/// ```
/// use hypergrad_optim::{Design, ElasticNet, FixedPointMap, SolverParams};
/// use ndarray::array;
///
/// let x = Design::dense(array![[1.0, 0.5], [0.0, 1.0], [1.0, -1.0]]).unwrap();
/// let y = array![1.0, 2.0, -0.5];
/// let (alpha, r) = (0.1_f64, 0.3);
/// let mixed = ElasticNet::with_l1_ratio(x.clone(), y.view(), r).unwrap();
/// let two = ElasticNet::new(x, y.view()).unwrap();
/// let params = SolverParams { tol: 1e-14, ..SolverParams::default() };
/// let a = mixed.solve(&[alpha.ln()], None, &params).unwrap();
/// let b = two.solve(&[(r * alpha).ln(), ((1.0 - r) * alpha).ln()], None, &params).unwrap();
/// assert!(a.x.iter().zip(&b.x).all(|(u, v)| (u - v).abs() < 1e-12));
/// ```
#[derive(Clone, Debug)]
pub struct ElasticNet {
    core: PenalizedLeastSquares,
    /// The fixed ratio `r` of [`with_l1_ratio`](Self::with_l1_ratio); `None`: two
    /// hyperparameters.
    l1_ratio: Option<f64>,
}

impl ElasticNet {
    /// Checks the data (see [`LeastSquares::new`]); `θ = [log α₁, log α₂]`.
    pub fn new(design: Design, y: ArrayView1<'_, f64>) -> Result<Self, OptimError> {
        Ok(Self::from_loss(LeastSquares::new(design, y)?))
    }

    /// An elastic net on an already checked data fit; `θ = [log α₁, log α₂]`.
    pub fn from_loss(loss: LeastSquares) -> Self {
        Self {
            core: PenalizedLeastSquares::new(loss),
            l1_ratio: None,
        }
    }

    /// The elastic net of one hyperparameter, `θ = [log α]`, with the fixed mixing ratio
    /// `r = l1_ratio ∈ (0, 1]`: `α₁ = rα`, `α₂ = (1 − r)α`; the solution is 0 for
    /// `α ≥ alpha_max()/r`. Errors: the data (see [`LeastSquares::new`]); `r` outside (0, 1].
    pub fn with_l1_ratio(
        design: Design,
        y: ArrayView1<'_, f64>,
        l1_ratio: f64,
    ) -> Result<Self, OptimError> {
        if !(l1_ratio > 0.0 && l1_ratio <= 1.0) {
            return Err(OptimError::InvalidParameter {
                name: "l1_ratio",
                value: l1_ratio,
                reason: "the mixing ratio must lie in (0, 1]",
            });
        }
        Ok(Self {
            l1_ratio: Some(l1_ratio),
            ..Self::new(design, y)?
        })
    }

    /// The fixed mixing ratio of [`with_l1_ratio`](Self::with_l1_ratio), if any.
    pub fn l1_ratio(&self) -> Option<f64> {
        self.l1_ratio
    }
}

/// `θ = [log α₁, log α₂]`, or `[log α]` with a fixed ratio.
fn dim_theta(model: &ElasticNet) -> usize {
    if model.l1_ratio.is_some() {
        1
    } else {
        2
    }
}

/// `a_j = exp(θ₀)`, or `r exp(θ₀)`.
fn l1<S: Scalar>(model: &ElasticNet, theta: &[S], _j: usize) -> S {
    match model.l1_ratio {
        None => theta[0].exp(),
        Some(r) => theta[0].exp() * S::from_f64(r),
    }
}

/// `b = exp(θ₁)`, or `(1 − r) exp(θ₀)`.
fn l2<S: Scalar>(model: &ElasticNet, theta: &[S]) -> S {
    match model.l1_ratio {
        None => theta[1].exp(),
        Some(r) => theta[0].exp() * S::from_f64(1.0 - r),
    }
}

penalized_least_squares_model!(ElasticNet, dim_theta = dim_theta, l1 = l1, l2 = l2);
