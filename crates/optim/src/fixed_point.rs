//! [`FixedPointMap`]: the update of an iterative algorithm, generic over the scalar — the one
//! trait through which a solver reaches every hypergradient method.

use crate::solvers::progress::{check_vector, initial_point, validate_params};
use crate::{OptimError, Schedule, Solution, SolveReport, SolverParams, StopReason};
use hypergrad_ad::Scalar;

/// The update `x_{k+1} = T_k(x_k, θ)` of an iterative algorithm, whose limit `x*(θ)` is a fixed
/// point `x* = T(x*, θ)`.
///
/// Written once, generic over [`Scalar`]: run on `f64` it solves, on dual numbers it propagates
/// the Jacobian `∂x_k/∂θ` (forward unrolling, FPAD), on tape variables it records the iterations
/// for a reverse sweep. θ is always an argument (a model does not store it), so a problem is
/// used through a shared reference and can be shared across threads.
///
/// A user's own solver implements the three required methods and nothing else; the others are
/// capabilities with defaults that a solver may override:
///
/// | method | default | override when |
/// | --- | --- | --- |
/// | [`apply_iteration`](Self::apply_iteration) | [`apply`](Self::apply) | the update depends on the iteration index (FISTA's momentum, step schedules) |
/// | [`solve`](Self::solve) | iterate the map ([`iterate_to_fixed_point`]) | a faster `f64` solver reaches the same fixed point |
/// | [`unrolled_steps`](Self::unrolled_steps) | the iterations of `solve` | `solve` is not the iteration of `T` |
/// | [`solve_with_schedule`](Self::solve_with_schedule) | `solve`, no schedule | the solver runs epochs of `T` restricted to working sets |
/// | [`support`](Self::support), [`non_degeneracy_margin`](Self::non_degeneracy_margin) | none | solutions are sparse (prox-based models) |
/// | [`apply_on_support`](Self::apply_on_support) | `apply` | the update restricted to the support is cheaper |
/// | [`solution_vjp`](Self::solution_vjp) | none | the derivative of the solution has a direct form (a factorization) |
/// | [`refined_solution`](Self::refined_solution) | none | with a support: the direct form also gives a point nearer `x*` |
///
/// **State.** The state may hold more than the coefficients a criterion reads (momentum, dual
/// variables): the coefficients come first, and a criterion declaring `m < dim_x()` entries reads
/// the leading `m`.
///
/// ```
/// use hypergrad_ad::Scalar;
/// use hypergrad_optim::{FixedPointMap, SolverParams};
///
/// /// Gradient descent on ½(x − θ)²: T(x, θ) = x − ½(x − θ).
/// struct HalfStep;
/// impl FixedPointMap for HalfStep {
///     fn dim_x(&self) -> usize { 1 }
///     fn dim_theta(&self) -> usize { 1 }
///     fn apply<S: Scalar>(&self, x: &[S], theta: &[S], out: &mut [S]) {
///         out[0] = x[0] - (x[0] - theta[0]) * 0.5;
///     }
/// }
/// let solution = HalfStep.solve(&[3.0], None, &SolverParams::default()).unwrap();
/// assert!(solution.report.converged());
/// assert!((solution.x[0] - 3.0).abs() < 1e-7);
/// ```
pub trait FixedPointMap {
    /// The dimension of the state `x` (coefficients first).
    fn dim_x(&self) -> usize;
    /// The number of parameters `θ`.
    fn dim_theta(&self) -> usize;
    /// Writes `T(x, θ)` into `out` (`x.len() == out.len() == dim_x()`, `theta.len() == dim_theta()`):
    /// the update whose fixed points are the solutions, and whose Jacobian there the implicit
    /// methods differentiate (for an iteration-dependent solver, the limit update).
    fn apply<S: Scalar>(&self, x: &[S], theta: &[S], out: &mut [S]);

    /// The `k`-th update `T_k` (`k = 0` first), which the unrolled methods and the default
    /// [`solve`](Self::solve) iterate. The default is [`apply`](Self::apply) for every `k`.
    fn apply_iteration<S: Scalar>(&self, k: usize, x: &[S], theta: &[S], out: &mut [S]) {
        let _ = k;
        self.apply(x, theta, out);
    }

    /// `T` restricted to the coordinates in `support`: updates those (in that order) and leaves
    /// the others as in `x`. The support-restricted hypergradient methods call it at a fixed
    /// point whose coordinates off the support are 0 and inactive, where it has the same
    /// Jacobian on the support as [`apply`](Self::apply) — at the cost of |S| coordinates
    /// instead of all. The default is the full update.
    fn apply_on_support<S: Scalar>(&self, x: &[S], theta: &[S], support: &[usize], out: &mut [S]) {
        let _ = support;
        self.apply(x, theta, out);
    }

    /// Solves `x = T(x, θ)` in `f64` from `warm_start` (or 0) to `params.tol`, reporting the cap
    /// if it is hit. The default iterates [`apply_iteration`](Self::apply_iteration) (see
    /// [`iterate_to_fixed_point`]); a model with a faster solver overrides it (the tolerance is
    /// then that solver's, e.g. a relative duality gap).
    fn solve(
        &self,
        theta: &[f64],
        warm_start: Option<&[f64]>,
        params: &SolverParams,
    ) -> Result<Solution, OptimError> {
        iterate_to_fixed_point(self, theta, warm_start, params)
    }

    /// How many applications of `T` from `start` the unrolled methods differentiate, for a
    /// [`solve`](Self::solve) from `start` with `params` that returned `solution`: by default
    /// `solution.report.iterations` (the solver iterates `T`). A model solved by another
    /// algorithm counts the iterations of `T` that reach the same tolerance.
    fn unrolled_steps(
        &self,
        start: &[f64],
        theta: &[f64],
        params: &SolverParams,
        solution: &Solution,
    ) -> Result<usize, OptimError> {
        let _ = (start, theta, params);
        Ok(solution.report.iterations)
    }

    /// [`solve`](Self::solve) from `warm_start` (or 0) and, for a map solved by epochs of `T`
    /// restricted to working sets, those epochs: the unrolled methods then differentiate
    /// `x_{k+1} = T_{W_k}(x_k, θ)` ([`apply_on_support`](Self::apply_on_support) on the
    /// schedule's k-th set) — the solver's own computation — instead of
    /// [`unrolled_steps`](Self::unrolled_steps) applications of `T`. The returned solution is
    /// the end of the schedule's epochs, `x_E = T_{W_{E−1}} ∘ … ∘ T_{W_0}(x_0)` up to rounding,
    /// converged to `params.tol` as `solve`'s is (it may be another solve than `solve`'s, e.g.
    /// without extrapolation). The default: `solve` and no schedule (unroll `T`).
    fn solve_with_schedule(
        &self,
        theta: &[f64],
        warm_start: Option<&[f64]>,
        params: &SolverParams,
    ) -> Result<(Solution, Option<Schedule>), OptimError> {
        Ok((self.solve(theta, warm_start, params)?, None))
    }

    /// The indices of the state that are free at the solution `x` (non-zero coefficients),
    /// for models whose solutions are sparse; `None` (the default) for smooth maps, which have
    /// no support to restrict to. Coordinates off the support must be fixed at 0 by `T` near `x`.
    fn support(&self, x: &[f64]) -> Option<Vec<usize>> {
        let _ = x;
        None
    }

    /// The non-degeneracy margin at a solution: `min_{j ∉ S} (α_j − |∇_j f(x)|)` for ℓ1-type
    /// models (`+∞` if every coordinate is in the support). The support-restricted formulas
    /// hold when it is positive. `None` (the default) where the notion does not apply.
    fn non_degeneracy_margin(&self, x: &[f64], theta: &[f64]) -> Option<f64> {
        let _ = (x, theta);
        None
    }

    /// The exact product `(∂x*/∂θ)ᵀ g` at a solution `x` returned by [`solve`](Self::solve),
    /// for models that compute it directly (for example from a factorization of their
    /// optimality system); `g` has `dim_x()` entries, the result `dim_theta()`. `None` (the
    /// default) lets the hypergradient methods differentiate `T` instead.
    fn solution_vjp(
        &self,
        x: &[f64],
        theta: &[f64],
        g: &[f64],
    ) -> Option<Result<Vec<f64>, OptimError>> {
        let _ = (x, theta, g);
        None
    }

    /// For a model with a [`support`](Self::support) and a
    /// [`solution_vjp`](Self::solution_vjp): the point `x'` that the same direct computation
    /// gives from a solution `x` of [`solve`](Self::solve) — for the ℓ1 models the solution of
    /// the optimality system on the support and signs of `x`, which is `x*` once they are
    /// identified. The hypergradient methods evaluate the derivative again at `x'` to estimate
    /// the error that `x ≠ x*` causes; without it they do not use `solution_vjp` on a model
    /// with a support. `None` (the default) where there is no such point.
    fn refined_solution(&self, x: &[f64], theta: &[f64]) -> Option<Vec<f64>> {
        let _ = (x, theta);
        None
    }
}

/// Solves `x = T(x, θ)` by iterating `T_k` ([`FixedPointMap::apply_iteration`]) in `f64` from
/// `warm_start` (or 0) until the step `‖x_{k+1} − x_k‖ ≤ tol·max(1, ‖x_{k+1}‖)` or `max_iter`
/// applications (reported as [`StopReason::MaxIterations`]); a non-finite iterate stops with
/// [`StopReason::Diverged`]. `report.residual` is the last step `‖x_{k+1} − x_k‖`.
///
/// Errors: invalid parameters, θ or a warm start of the wrong length or non-finite.
pub fn iterate_to_fixed_point<M: FixedPointMap + ?Sized>(
    map: &M,
    theta: &[f64],
    warm_start: Option<&[f64]>,
    params: &SolverParams,
) -> Result<Solution, OptimError> {
    validate_params(params)?;
    check_vector("theta", theta, map.dim_theta())?;
    let mut x = initial_point(warm_start, map.dim_x())?;
    let mut next = vec![0.0; x.len()];
    let (mut stop, mut iterations, mut residual) = (StopReason::MaxIterations, 0, f64::INFINITY);
    while iterations < params.max_iter {
        map.apply_iteration(iterations, &x, theta, &mut next);
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
        if residual <= params.tol * scale {
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
        margin: None,
    };
    Ok(Solution { x, report })
}
