//! [`Criterion`]: the outer objective `C(x, θ)`, generic over the scalar.

use crate::BilevelError;
use hypergrad_ad::Scalar;
use hypergrad_optim::{Design, LeastSquares, Logistic};
use ndarray::{ArrayView1, ArrayView2};

/// An outer criterion `C(x, θ)`, written once and evaluated on `f64` (value) or on dual
/// numbers (its derivative along a Jacobian column).
pub trait Criterion {
    /// The dimension of `x` the criterion expects.
    fn dim_x(&self) -> usize;
    /// `C(x, θ)`.
    fn value<S: Scalar>(&self, x: &[S], theta: &[S]) -> S;

    /// `(∇ₓC, ∂_θC)` at `(x, θ)` (`x` has [`dim_x`](Self::dim_x) entries). The default is one
    /// reverse sweep of [`value`](Self::value) on a tape; a criterion with a closed form
    /// overrides it.
    fn gradient(&self, x: &[f64], theta: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let c = x.len();
        let point: Vec<f64> = x.iter().chain(theta).copied().collect();
        let (_, g) = hypergrad_ad::reverse::gradient(|z| self.value(&z[..c], &z[c..]), &point);
        (g[..c].to_vec(), g[c..].to_vec())
    }

    /// [`gradient`](Self::gradient) at an `x` that is zero outside `coordinates` (increasing),
    /// where only the entries of `∇ₓC` at `coordinates` are wanted: the others may be left at
    /// 0. The default computes the whole gradient and zeroes them; a criterion that can work
    /// over the listed coordinates only (`O(|coordinates|)` columns of a design instead of all)
    /// overrides it.
    fn gradient_on(&self, x: &[f64], theta: &[f64], coordinates: &[usize]) -> (Vec<f64>, Vec<f64>) {
        let (gx, gt) = self.gradient(x, theta);
        let mut kept = vec![0.0; gx.len()];
        coordinates.iter().for_each(|&j| kept[j] = gx[j]);
        (kept, gt)
    }
}

/// Held-out mean squared error `C(x) = ‖y_val − X_val x‖² / n_val`.
#[derive(Clone, Debug)]
pub struct HeldOutMse {
    fit: LeastSquares,
}

impl HeldOutMse {
    /// Checks the validation data (shapes, finite, non-empty).
    pub fn new(design: Design, y: ArrayView1<'_, f64>) -> Result<Self, BilevelError> {
        Ok(Self {
            fit: LeastSquares::new(design, y)?,
        })
    }
}

impl Criterion for HeldOutMse {
    fn dim_x(&self) -> usize {
        self.fit.n_features()
    }
    /// `2 · 1/(2n)‖y − Xx‖²`.
    fn value<S: Scalar>(&self, x: &[S], _theta: &[S]) -> S {
        self.fit.value(x).scale(S::Real::from_f64(2.0))
    }
    /// `∇ₓC = −2Xᵀ(y − Xx)/n` (one product with X and one with Xᵀ), `∂_θC = 0`.
    fn gradient(&self, x: &[f64], theta: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let mut gx = vec![0.0; x.len()];
        self.fit.gradient(x, &mut gx);
        gx.iter_mut().for_each(|g| *g *= 2.0);
        (gx, vec![0.0; theta.len()])
    }
    /// The same over the columns of `coordinates`: `r = y − Σ_{j} X_j x_j`, `(∇ₓC)_j =
    /// −2X_jᵀr/n` (`O(n̄·|coordinates|)`).
    fn gradient_on(&self, x: &[f64], theta: &[f64], coordinates: &[usize]) -> (Vec<f64>, Vec<f64>) {
        let design = self.fit.design();
        let mut r = self.fit.y().to_vec();
        coordinates
            .iter()
            .for_each(|&j| design.col_axpy(j, -x[j], &mut r));
        let scale = -2.0 / self.fit.n_samples() as f64;
        let mut gx = vec![0.0; x.len()];
        coordinates
            .iter()
            .for_each(|&j| gx[j] = scale * design.col_dot(j, &r));
        (gx, vec![0.0; theta.len()])
    }
}

/// Held-out logistic loss `C(x) = 1/n_val Σ log(1 + exp(−yᵢ xᵢᵀx))`, labels ±1; with an
/// intercept ([`HeldOutLogistic::with_intercept`], for a
/// [`SparseLogistic::with_intercept`](hypergrad_optim::SparseLogistic::with_intercept) fit)
/// `x = [β, b]` and the predictions are `xᵢᵀβ + b`.
#[derive(Clone, Debug)]
pub struct HeldOutLogistic {
    fit: Logistic,
}

impl HeldOutLogistic {
    /// Checks the validation data (shapes, finite, non-empty, labels ±1).
    pub fn new(design: Design, y: ArrayView1<'_, f64>) -> Result<Self, BilevelError> {
        Ok(Self {
            fit: Logistic::new(design, y)?,
        })
    }

    /// The loss of `x = [β, b]` (p + 1 entries, the intercept last): the loss of the design
    /// with a column of ones appended. Checks as [`new`](Self::new).
    pub fn with_intercept(design: Design, y: ArrayView1<'_, f64>) -> Result<Self, BilevelError> {
        Self::new(design.with_ones_column(), y)
    }
}

impl Criterion for HeldOutLogistic {
    fn dim_x(&self) -> usize {
        self.fit.n_features()
    }
    fn value<S: Scalar>(&self, x: &[S], _theta: &[S]) -> S {
        self.fit.value(x)
    }
}

/// Held-out mean squared error of a multitask model, `C(B) = ‖Y_val − X_val B‖_F² / n_val` (the
/// sum over tasks of each task's held-out MSE), with `B` (p×T) flattened row-major as in
/// [`MultiTaskLasso`](hypergrad_optim::MultiTaskLasso): `x[j·T + t] = B_jt`.
#[derive(Clone, Debug)]
pub struct HeldOutMultitaskMse {
    tasks: Vec<LeastSquares>,
}

impl HeldOutMultitaskMse {
    /// Checks the validation data (`Y` with the design's rows and at least one column,
    /// finite, non-empty).
    pub fn new(design: Design, y: ArrayView2<'_, f64>) -> Result<Self, BilevelError> {
        if y.ncols() == 0 {
            return Err(hypergrad_optim::OptimError::EmptyData { what: "y" }.into());
        }
        let tasks = y
            .columns()
            .into_iter()
            .map(|column| LeastSquares::new(design.clone(), column))
            .collect::<Result<_, _>>()?;
        Ok(Self { tasks })
    }
}

impl Criterion for HeldOutMultitaskMse {
    fn dim_x(&self) -> usize {
        self.tasks[0].n_features() * self.tasks.len()
    }
    /// `Σ_t 2 · 1/(2n)‖y_t − X b_t‖²`, `b_t` the t-th column of B.
    fn value<S: Scalar>(&self, x: &[S], _theta: &[S]) -> S {
        let t = self.tasks.len();
        self.tasks
            .iter()
            .enumerate()
            .map(|(task, fit)| {
                let column: Vec<S> = x.iter().skip(task).step_by(t).copied().collect();
                fit.value(&column).scale(S::Real::from_f64(2.0))
            })
            .sum()
    }
}
