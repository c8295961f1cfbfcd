//! [`MultiTaskLasso`]: `1/(2n)‖Y − XB‖_F² + α Σ_j ‖B_j‖₂`.

use super::{check_penalty, rescaled_residual_gap};
use crate::loss::checked_data;
use crate::solvers::sweep_multitask;
use crate::{CoordinateDescentModel, Design, FixedPointMap, OptimError};
use hypergrad_ad::Scalar;
use ndarray::ArrayView2;

/// The multitask Lasso `P(B) = 1/(2n)‖Y − XB‖_F² + α Σ_j ‖B_j‖₂` for T tasks sharing a design
/// (`Y` n×T, `B` p×T, `B_j` its j-th row): a group Lasso whose groups are the rows of B
/// (scikit-learn's `MultiTaskLasso` without intercept).
///
/// Coefficients are flattened row-major (`x[j·T + t] = B_jt`) for the solver and the
/// [`FixedPointMap`] (one block-coordinate sweep over the rows, `θ = [log α]`).
#[derive(Clone, Debug)]
pub struct MultiTaskLasso {
    design: Design,
    /// Y stored task after task (column-major).
    y: Vec<f64>,
    tasks: usize,
    alpha: f64,
    lipschitz: Vec<f64>,
}

impl MultiTaskLasso {
    /// Checks the data (Y with n rows and at least one column, all finite) and `α > 0`.
    pub fn new(design: Design, y: ArrayView2<'_, f64>, alpha: f64) -> Result<Self, OptimError> {
        check_penalty("alpha", alpha, false)?;
        let tasks = y.ncols();
        if tasks == 0 {
            return Err(OptimError::EmptyData { what: "y" });
        }
        let by_task: Vec<f64> = y.t().iter().copied().collect();
        let (design, _) = checked_data(design, &by_task[..y.nrows()])?;
        if by_task.iter().any(|v| !v.is_finite()) {
            return Err(OptimError::NonFinite { what: "y" });
        }
        let n = design.n_samples() as f64;
        let mut lipschitz = vec![0.0; design.n_features()];
        design.col_sq_norms(&mut lipschitz);
        lipschitz.iter_mut().for_each(|l| *l /= n);
        Ok(Self {
            design,
            y: by_task,
            tasks,
            alpha,
            lipschitz,
        })
    }

    /// Changes `α` (checked).
    pub fn set_alpha(&mut self, alpha: f64) -> Result<(), OptimError> {
        check_penalty("alpha", alpha, false)?;
        self.alpha = alpha;
        Ok(())
    }

    /// The penalty `α`.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// `θ = [log α]`.
    pub fn theta(&self) -> Vec<f64> {
        vec![self.alpha.ln()]
    }

    /// The number of tasks T.
    pub fn n_tasks(&self) -> usize {
        self.tasks
    }

    /// `α_max = max_j ‖X_jᵀY‖₂/n`: for `α ≥ α_max` the solution is 0.
    pub fn alpha_max(&self) -> f64 {
        self.max_row_correlation(&self.y)
    }

    /// `max_j ‖X_jᵀR‖₂/n` for an n×T matrix stored task after task.
    fn max_row_correlation(&self, r: &[f64]) -> f64 {
        let n = self.design.n_samples();
        (0..self.design.n_features())
            .map(|j| {
                r.chunks_exact(n)
                    .map(|r_t| self.design.col_dot(j, r_t).powi(2))
                    .sum::<f64>()
                    .sqrt()
            })
            .fold(0.0, f64::max)
            / n as f64
    }

    fn residual_of(&self, beta: &[f64]) -> Vec<f64> {
        let mut r = vec![0.0; self.state_len()];
        self.init_state(beta, &mut r);
        r
    }

    /// `P(B)` for B flattened row-major. Panics if it does not have p·T entries.
    pub fn value(&self, beta: &[f64]) -> f64 {
        self.objective_and_gap(beta, &self.residual_of(beta)).0
    }

    /// The duality gap at the rescaled residual `c·R`, `c = min(1, α/max_j ‖X_jᵀR‖/n)`.
    /// Panics if `beta` does not have p·T entries.
    pub fn duality_gap(&self, beta: &[f64]) -> f64 {
        self.objective_and_gap(beta, &self.residual_of(beta)).1
    }
}

impl CoordinateDescentModel for MultiTaskLasso {
    fn n_features(&self) -> usize {
        self.design.n_features() * self.tasks
    }
    fn state_len(&self) -> usize {
        self.design.n_samples() * self.tasks
    }
    fn init_state(&self, beta: &[f64], state: &mut [f64]) {
        residual(&self.design, &self.y, self.tasks, beta, state);
    }
    fn sweep(&self, beta: &mut [f64], state: &mut [f64]) -> f64 {
        sweep_multitask(&self.design, &self.lipschitz, self.alpha, true, beta, state)
    }
    fn objective_at_zero(&self) -> f64 {
        self.y.iter().map(|v| v * v).sum::<f64>() / (2.0 * self.design.n_samples() as f64)
    }
    fn objective_and_gap(&self, beta: &[f64], r: &[f64]) -> (f64, f64) {
        let n = self.design.n_samples() as f64;
        let q = r.iter().map(|v| v * v).sum::<f64>() / n;
        let r_dot_y = r.iter().zip(&self.y).map(|(a, b)| a * b).sum::<f64>() / n;
        let row_norms: f64 = beta
            .chunks_exact(self.tasks)
            .map(|row| row.iter().map(|b| b * b).sum::<f64>().sqrt())
            .sum();
        let penalty = self.alpha * row_norms;
        let correlation = self.max_row_correlation(r);
        let c = if correlation > self.alpha {
            self.alpha / correlation
        } else {
            1.0
        };
        (
            0.5 * q + penalty,
            rescaled_residual_gap(q, r_dot_y, penalty, c),
        )
    }
}

/// `R = Y − XB` task by task (`B` row-major p×T, `Y` and `R` task after task).
fn residual<S: Scalar>(design: &Design, y: &[f64], tasks: usize, beta: &[S], out: &mut [S]) {
    let (n, p) = (design.n_samples(), design.n_features());
    let mut column = vec![S::zero(); p];
    for (t, r_t) in out.chunks_exact_mut(n).enumerate() {
        column
            .iter_mut()
            .enumerate()
            .for_each(|(j, c)| *c = beta[j * tasks + t]);
        design.matvec(&column, r_t);
        r_t.iter_mut()
            .zip(&y[t * n..(t + 1) * n])
            .for_each(|(r, &yi)| *r = S::from_f64(yi) - *r);
    }
}

impl FixedPointMap for MultiTaskLasso {
    fn dim_x(&self) -> usize {
        self.design.n_features() * self.tasks
    }
    fn dim_theta(&self) -> usize {
        1
    }
    fn apply<S: Scalar>(&self, x: &[S], theta: &[S], out: &mut [S]) {
        out.copy_from_slice(x);
        let mut r = vec![S::zero(); self.state_len()];
        residual(&self.design, &self.y, self.tasks, out, &mut r);
        sweep_multitask(
            &self.design,
            &self.lipschitz,
            theta[0].exp(),
            false,
            out,
            &mut r,
        );
    }
}
