//! [`InnerProblem`]: a fixed-point map with a fast solver, and what the methods may ask of it.

use crate::BilevelError;
use hypergrad_optim::solvers::{GradientStep, Newton, NewtonStep};
use hypergrad_optim::ProxNewton;
use hypergrad_optim::{
    CoordinateDescent, CoordinateDescentModel, ElasticNet, FixedPointMap, Lasso, Objective, Ridge,
    Solution, SolveReport, SolverParams, SparseLogistic, StopReason, WeightedLasso,
};

/// An inner problem `x*(θ)`: the update `T` of its solver ([`FixedPointMap`], which every
/// method differentiates) and a fast `f64` solve to the fixed point.
///
/// Prox-based models also give the support of a solution and the non-degeneracy margin
/// `min_{j ∉ S} (α_j − |∇_j f(x*)|)`: the support-restricted methods are valid when it is
/// positive. A user's own solver implements `solve` (for example by iterating `apply`).
pub trait InnerProblem: FixedPointMap {
    /// Solves at hyperparameters `θ` (log scale) from `warm_start` (or 0) to tolerance `tol`.
    fn solve(
        &mut self,
        theta: &[f64],
        warm_start: Option<&[f64]>,
        tol: f64,
        max_iter: usize,
    ) -> Result<Solution, BilevelError>;

    /// The indices where `x` is non-zero, for models whose solutions are sparse; `None` for
    /// smooth models, which have no support to restrict to.
    fn support(&self, _x: &[f64]) -> Option<Vec<usize>> {
        None
    }

    /// `min_{j ∉ S} (α_j − |∇_j f(x)|)` over the zero coefficients (`+∞` if there are none);
    /// `None` where the notion does not apply.
    fn non_degeneracy_margin(&self, _x: &[f64], _theta: &[f64]) -> Option<f64> {
        None
    }

    /// How many applications of `T` from `start` the unrolled methods differentiate, for a
    /// [`solve`](Self::solve) from `start` to `tol` that returned `solution`: by default
    /// `solution.report.iterations` (the solver iterates `T`). A model solved by another
    /// algorithm counts the iterations of `T` that reach the same tolerance.
    fn unrolled_steps(
        &self,
        _start: &[f64],
        _tol: f64,
        _max_iter: usize,
        solution: &Solution,
    ) -> Result<usize, BilevelError> {
        Ok(solution.report.iterations)
    }
}

/// Solves `x = T(x, θ)` by iterating the map in `f64` from `warm_start` (or 0) until the step
/// `‖x_{k+1} − x_k‖ ≤ tol·max(1, ‖x_{k+1}‖)` or `max_iter` applications (reported as
/// [`StopReason::MaxIterations`]); a non-finite iterate stops with [`StopReason::Diverged`].
/// The natural `solve` of a user's own [`InnerProblem`] whose `T` is a contraction.
pub fn iterate_to_fixed_point<M: FixedPointMap>(
    map: &M,
    theta: &[f64],
    warm_start: Option<&[f64]>,
    tol: f64,
    max_iter: usize,
) -> Solution {
    let p = map.dim_x();
    let mut x = warm_start.map_or_else(|| vec![0.0; p], <[f64]>::to_vec);
    let mut next = vec![0.0; p];
    let (mut stop, mut iterations, mut residual) = (StopReason::MaxIterations, 0, f64::INFINITY);
    while iterations < max_iter {
        map.apply(&x, theta, &mut next);
        iterations += 1;
        residual = x
            .iter()
            .zip(&next)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt();
        std::mem::swap(&mut x, &mut next);
        if !residual.is_finite() {
            stop = StopReason::Diverged;
            break;
        }
        let scale = x.iter().map(|v| v * v).sum::<f64>().sqrt().max(1.0);
        if residual <= tol * scale {
            stop = StopReason::Converged;
            break;
        }
    }
    let report = SolveReport {
        iterations,
        residual,
        duality_gap: None,
        objective: f64::NAN,
        stop,
        history: None,
    };
    Solution { x, report }
}

/// Ridge is smooth: no support; solved by Gauss–Seidel sweeps (its [`FixedPointMap`]) so that
/// the unrolled methods differentiate the same iterations.
impl InnerProblem for Ridge {
    fn solve(
        &mut self,
        theta: &[f64],
        warm_start: Option<&[f64]>,
        tol: f64,
        max_iter: usize,
    ) -> Result<Solution, BilevelError> {
        self.set_theta(theta)?;
        let mut solution = iterate_to_fixed_point(self, theta, warm_start, tol, max_iter);
        solution.report.objective = self.value(&solution.x);
        Ok(solution)
    }
}

/// Newton's method on a smooth objective: solved by damped Newton with line search; the map
/// differentiated is the undamped step, whose Jacobian in `x` vanishes at the solution — so
/// one-step differentiation is exact there (Bolte, Pauwels, Vaiter).
impl<O: Objective> InnerProblem for NewtonStep<'_, O> {
    fn solve(
        &mut self,
        theta: &[f64],
        warm_start: Option<&[f64]>,
        tol: f64,
        max_iter: usize,
    ) -> Result<Solution, BilevelError> {
        let params = SolverParams {
            max_iter,
            tol,
            record_history: false,
        };
        Ok(Newton::default().solve(self.objective, theta, warm_start, &params)?)
    }
}

/// Gradient descent with a fixed step on a smooth objective: solved by iterating the step.
impl<O: Objective> InnerProblem for GradientStep<'_, O> {
    fn solve(
        &mut self,
        theta: &[f64],
        warm_start: Option<&[f64]>,
        tol: f64,
        max_iter: usize,
    ) -> Result<Solution, BilevelError> {
        Ok(iterate_to_fixed_point(
            self, theta, warm_start, tol, max_iter,
        ))
    }
}

fn solve_by_coordinate_descent<M: CoordinateDescentModel>(
    model: &M,
    warm_start: Option<&[f64]>,
    tol: f64,
    max_iter: usize,
) -> Result<Solution, BilevelError> {
    let solver = CoordinateDescent {
        params: SolverParams {
            max_iter,
            tol,
            record_history: false,
        },
        ..CoordinateDescent::default()
    };
    Ok(solver.solve(model, warm_start)?)
}

/// Sparse logistic regression is solved by proximal Newton (Newton steps on the true curvature,
/// far fewer than coordinate-descent sweeps at small α); it reaches the fixed point of the
/// coordinate-descent sweep that the methods differentiate, the minimizer.
fn solve_by_prox_newton(
    model: &SparseLogistic,
    warm_start: Option<&[f64]>,
    tol: f64,
    max_iter: usize,
) -> Result<Solution, BilevelError> {
    let solver = ProxNewton::new(SolverParams {
        max_iter,
        tol,
        record_history: false,
    });
    Ok(solver.solve(model, warm_start)?)
}

/// The sweeps coordinate descent (the iteration of `T`) takes from `start` to `tol`.
fn coordinate_descent_sweeps<M: CoordinateDescentModel>(
    model: &M,
    start: &[f64],
    tol: f64,
    max_iter: usize,
) -> Result<usize, BilevelError> {
    Ok(
        solve_by_coordinate_descent(model, Some(start), tol, max_iter)?
            .report
            .iterations,
    )
}

fn nonzeros(x: &[f64]) -> Vec<usize> {
    (0..x.len()).filter(|&j| x[j] != 0.0).collect()
}

/// `min_{j: x_j = 0} (threshold(j) − |g_j|)`.
fn l1_margin(x: &[f64], gradient: &[f64], threshold: impl Fn(usize) -> f64) -> f64 {
    (0..x.len())
        .filter(|&j| x[j] == 0.0)
        .map(|j| threshold(j) - gradient[j].abs())
        .fold(f64::INFINITY, f64::min)
}

/// Implements [`InnerProblem`] for an ℓ1 model solved by coordinate descent, given how θ sets
/// the model's penalties and the ℓ1 threshold of feature `j`; or by the given `solver = fn`,
/// with `unrolled = fn` counting the iterations of `T` for the unrolled methods.
macro_rules! l1_inner_problem {
    ($model:ty, |$m:ident, $t:ident| $set:expr, |$tt:ident, $j:ident| $threshold:expr) => {
        l1_inner_problem!(
            $model,
            |$m, $t| $set,
            |$tt, $j| $threshold,
            solver = solve_by_coordinate_descent
        );
    };
    (
        $model:ty,
        |$m:ident, $t:ident| $set:expr,
        |$tt:ident, $j:ident| $threshold:expr,
        solver = $solve:ident
        $(, unrolled = $steps:ident)?
    ) => {
        impl InnerProblem for $model {
            fn solve(
                &mut self,
                theta: &[f64],
                warm_start: Option<&[f64]>,
                tol: f64,
                max_iter: usize,
            ) -> Result<Solution, BilevelError> {
                {
                    let ($m, $t) = (&mut *self, theta);
                    $set?;
                }
                $solve(self, warm_start, tol, max_iter)
            }
            fn support(&self, x: &[f64]) -> Option<Vec<usize>> {
                Some(nonzeros(x))
            }
            fn non_degeneracy_margin(&self, x: &[f64], theta: &[f64]) -> Option<f64> {
                let mut gradient = vec![0.0; x.len()];
                self.loss().gradient(x, &mut gradient);
                let $tt = theta;
                Some(l1_margin(x, &gradient, |$j| $threshold))
            }
            $(
                fn unrolled_steps(
                    &self,
                    start: &[f64],
                    tol: f64,
                    max_iter: usize,
                    _solution: &Solution,
                ) -> Result<usize, BilevelError> {
                    $steps(self, start, tol, max_iter)
                }
            )?
        }
    };
}

l1_inner_problem!(Lasso, |m, t| m.set_alpha(t[0].exp()), |t, _j| t[0].exp());
l1_inner_problem!(
    SparseLogistic,
    |m, t| m.set_alpha(t[0].exp()),
    |t, _j| t[0].exp(),
    solver = solve_by_prox_newton,
    unrolled = coordinate_descent_sweeps
);
l1_inner_problem!(
    ElasticNet,
    |m, t| m.set_alphas(t[0].exp(), t[1].exp()),
    |t, _j| t[0].exp()
);
l1_inner_problem!(
    WeightedLasso,
    |m, t| m.set_alphas(&t.iter().map(|v| v.exp()).collect::<Vec<_>>()),
    |t, j| t[j].exp()
);
