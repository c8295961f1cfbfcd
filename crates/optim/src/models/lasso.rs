//! [`Lasso`]: `1/(2n)‖y − Xβ‖² + α‖β‖₁`.

use super::l1l2::{penalized_least_squares_model, PenalizedLeastSquares};
use crate::{Design, LeastSquares, OptimError};
use hypergrad_ad::Scalar;
use ndarray::ArrayView1;

/// The Lasso `P(β) = 1/(2n)‖y − Xβ‖² + α‖β‖₁`, `α = exp(θ₀) > 0` (scikit-learn's `Lasso`
/// without intercept).
///
/// As a [`FixedPointMap`](crate::FixedPointMap) one application is one cyclic coordinate-descent
/// sweep with `θ = [log α]`: for j = 1..p, `β_j ← st(β_j + X_jᵀr/(n L_j), α/L_j)`,
/// `L_j = ‖X_j‖²/n`, keeping `r = y − Xβ` current; its `solve` is
/// [`WorkingSetCd`](crate::solvers::WorkingSetCd) (working sets, Anderson extrapolation) to the
/// relative duality gap `tol`. The unrolled methods differentiate that solver's epochs without
/// extrapolation (its `solve_with_schedule`, the unrolled methods' inner solve), each epoch the sweep
/// restricted to its working set; `unrolled_steps` counts the plain cyclic sweeps
/// ([`CoordinateDescent`](crate::CoordinateDescent)) that reach the same gap from the same start.
/// The same holds for the weighted Lasso, the elastic net, the group and the multitask Lasso.
///
/// ```
/// use hypergrad_optim::{Design, FixedPointMap, Lasso, SolverParams};
/// use ndarray::array;
///
/// // XᵀX/n = I, so the solution is st(Xᵀy/n, α) = st((3, −0.5), 1) = (2, 0).
/// let x = Design::dense(array![[1.0, 1.0], [1.0, -1.0]]).unwrap();
/// let lasso = Lasso::new(x, array![2.5, 3.5].view()).unwrap();
/// let theta = [1.0_f64.ln()];
/// let sol = lasso.solve(&theta, None, &SolverParams::default()).unwrap();
/// assert!((sol.x[0] - 2.0).abs() < 1e-12 && sol.x[1] == 0.0);
/// assert!(lasso.non_degeneracy_margin(&sol.x, &theta).unwrap() > 0.0);
/// ```
#[derive(Clone, Debug)]
pub struct Lasso {
    core: PenalizedLeastSquares,
}

impl Lasso {
    /// Checks the data (see [`LeastSquares::new`]).
    pub fn new(design: Design, y: ArrayView1<'_, f64>) -> Result<Self, OptimError> {
        Ok(Self::from_loss(LeastSquares::new(design, y)?))
    }

    /// A Lasso on an already checked data fit.
    pub fn from_loss(loss: LeastSquares) -> Self {
        Self {
            core: PenalizedLeastSquares::new(loss),
        }
    }
}

/// `a_j = exp(θ₀)`.
fn l1<S: Scalar>(_model: &Lasso, theta: &[S], _j: usize) -> S {
    theta[0].exp()
}

/// `b = 0`.
fn l2<S: Scalar>(_model: &Lasso, _theta: &[S]) -> S {
    S::zero()
}

penalized_least_squares_model!(Lasso, dim_theta = |_: &Lasso| 1, l1 = l1, l2 = l2);
