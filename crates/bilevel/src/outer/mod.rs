//! Outer optimization: choosing hyperparameters by their hypergradient (or by zero-order
//! search), all over one interface, [`HyperObjective`], and all returning a [`Trajectory`].

mod cross_validation;
mod gradient_descent;
mod hoag;
mod lbfgs;
mod line_search;
mod search;

pub use cross_validation::CrossValidation;
pub use gradient_descent::{Adam, GradientDescent};
pub use hoag::Hoag;
pub use lbfgs::Lbfgs;
pub use line_search::LineSearch;
pub use search::{grid_search, random_search};

use crate::{
    hypergradient_warm, value_warm, BilevelError, Criterion, Method, Options, WarmStart, Warning,
};
use hypergrad_optim::FixedPointMap;
use std::time::Instant;

/// One evaluation of the outer objective `h(λ)` at log-hyperparameters `λ`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HyperEval {
    /// `h(λ)`.
    pub value: f64,
    /// `∇h(λ)` (empty for a value-only evaluation).
    pub grad: Vec<f64>,
    /// Inner iterations spent.
    pub inner_iterations: usize,
    /// The estimated relative error of `grad`
    /// ([`Diagnostics::error_estimate`](crate::Diagnostics::error_estimate)); `None` for a
    /// value-only evaluation or an objective without an estimate.
    pub error_estimate: Option<f64>,
    /// The warnings of the hypergradients behind this evaluation.
    pub warnings: Vec<Warning>,
}

/// The outer objective: a criterion through an inner solve, as a function of `λ = log α`.
pub trait HyperObjective {
    /// The number of hyperparameters.
    fn dim(&self) -> usize;
    /// `h(λ)` and `∇h(λ)`, the inner problem solved to `inner_tol`.
    fn evaluate(&mut self, log_alpha: &[f64], inner_tol: f64) -> Result<HyperEval, BilevelError>;
    /// `h(λ)` only (zero-order methods); by default [`HyperObjective::evaluate`].
    fn value(&mut self, log_alpha: &[f64], inner_tol: f64) -> Result<HyperEval, BilevelError> {
        self.evaluate(log_alpha, inner_tol)
    }
}

/// A criterion through an inner problem by a hypergradient method, warm-started from one
/// evaluation to the next (inner solution, Jacobian or adjoint).
pub struct Bilevel<'a, P, C> {
    /// The inner problem.
    pub problem: &'a P,
    /// The outer criterion.
    pub criterion: &'a C,
    /// The hypergradient method.
    pub method: Method,
    /// Tolerances (the inner tolerance is set per evaluation).
    pub options: Options,
    /// Warm starts carried between evaluations.
    pub warm: WarmStart,
}

impl<'a, P: FixedPointMap, C: Criterion> Bilevel<'a, P, C> {
    /// A bilevel objective with cold warm starts.
    pub fn new(problem: &'a P, criterion: &'a C, method: Method, options: Options) -> Self {
        Self {
            problem,
            criterion,
            method,
            options,
            warm: WarmStart::default(),
        }
    }
}

impl<P: FixedPointMap, C: Criterion> Bilevel<'_, P, C> {
    fn run(
        &mut self,
        log_alpha: &[f64],
        inner_tol: f64,
        method: Method,
    ) -> Result<HyperEval, BilevelError> {
        let options = self.options.with_inner_tol(inner_tol);
        let h = hypergradient_warm(
            self.problem,
            self.criterion,
            log_alpha,
            &method,
            &options,
            &mut self.warm,
        )?;
        Ok(HyperEval {
            value: h.value,
            grad: h.grad,
            inner_iterations: h.diagnostics.inner.iterations,
            error_estimate: Some(h.diagnostics.error_estimate),
            warnings: h.diagnostics.warnings,
        })
    }
}

impl<P: FixedPointMap, C: Criterion> HyperObjective for Bilevel<'_, P, C> {
    fn dim(&self) -> usize {
        self.problem.dim_theta()
    }
    fn evaluate(&mut self, log_alpha: &[f64], inner_tol: f64) -> Result<HyperEval, BilevelError> {
        self.run(log_alpha, inner_tol, self.method)
    }
    /// The value only: the inner solve and the criterion, no derivative.
    fn value(&mut self, log_alpha: &[f64], inner_tol: f64) -> Result<HyperEval, BilevelError> {
        let options = self.options.with_inner_tol(inner_tol);
        let (value, solution) = value_warm(
            self.problem,
            self.criterion,
            log_alpha,
            &options,
            &mut self.warm,
        )?;
        Ok(HyperEval {
            value,
            inner_iterations: solution.report.iterations,
            ..HyperEval::default()
        })
    }
}

/// HOAG-style inner tolerances: `tol_k = max(initial · decayᵏ, minimum)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ToleranceSchedule {
    /// Tolerance of the first evaluation.
    pub initial: f64,
    /// Factor per outer step (≤ 1).
    pub decay: f64,
    /// Floor.
    pub minimum: f64,
}

impl ToleranceSchedule {
    /// A constant tolerance.
    pub fn constant(tol: f64) -> Self {
        Self {
            initial: tol,
            decay: 1.0,
            minimum: tol,
        }
    }
    /// The tolerance of outer step `k`.
    pub fn at(&self, k: usize) -> f64 {
        (self.initial * self.decay.powi(k.min(i32::MAX as usize) as i32)).max(self.minimum)
    }
}

impl Default for ToleranceSchedule {
    fn default() -> Self {
        Self {
            initial: 1e-4,
            decay: 0.5,
            minimum: 1e-8,
        }
    }
}

/// One outer step.
#[derive(Clone, Debug, PartialEq)]
pub struct OuterStep {
    /// The log-hyperparameters evaluated.
    pub log_alpha: Vec<f64>,
    /// `h` there.
    pub value: f64,
    /// `‖∇h‖` there (NaN for zero-order methods, which do not compute it).
    pub grad_norm: f64,
    /// Seconds since the start of the run.
    pub seconds: f64,
    /// Inner iterations summed since the start.
    pub inner_iterations: usize,
    /// The estimated relative error of the gradient there (`None` for a value only).
    pub error_estimate: Option<f64>,
    /// The warnings of that evaluation's hypergradients.
    pub warnings: Vec<Warning>,
}

/// Why an outer run stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OuterStop {
    /// `‖∇h‖` below the tolerance.
    GradientTolerance,
    /// Relative change of `h` below the tolerance.
    ValueTolerance,
    /// All steps (or all grid points) used.
    MaxSteps,
    /// The backtracking line search found no sufficient decrease within its halvings (`h` is
    /// flat or noisy at the inner tolerance along the direction).
    LineSearch,
    /// The line search's trial step fell below its `step_tol` in every coordinate.
    StepTolerance,
}

/// The record of an outer run: every evaluation, the best one and why it stopped.
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    /// Every evaluation in order.
    pub steps: Vec<OuterStep>,
    /// Index of the lowest `h` in `steps`.
    pub best: usize,
    /// Why the run stopped.
    pub stop: OuterStop,
}

impl Trajectory {
    /// The best step.
    pub fn best(&self) -> &OuterStep {
        &self.steps[self.best]
    }
}

/// Records evaluations as they come.
pub(crate) struct Recorder {
    start: Instant,
    steps: Vec<OuterStep>,
    inner: usize,
}

impl Recorder {
    pub(crate) fn new() -> Self {
        Self {
            start: Instant::now(),
            steps: Vec::new(),
            inner: 0,
        }
    }
    pub(crate) fn push(&mut self, log_alpha: &[f64], eval: &HyperEval) {
        self.inner += eval.inner_iterations;
        let grad_norm = if eval.grad.is_empty() {
            f64::NAN
        } else {
            eval.grad.iter().map(|g| g * g).sum::<f64>().sqrt()
        };
        self.steps.push(OuterStep {
            log_alpha: log_alpha.to_vec(),
            value: eval.value,
            grad_norm,
            seconds: self.start.elapsed().as_secs_f64(),
            inner_iterations: self.inner,
            error_estimate: eval.error_estimate,
            warnings: eval.warnings.clone(),
        });
    }
    /// The evaluations recorded so far.
    pub(crate) fn evaluations(&self) -> usize {
        self.steps.len()
    }
    pub(crate) fn finish(self, stop: OuterStop) -> Trajectory {
        let best = (0..self.steps.len())
            .min_by(|&a, &b| self.steps[a].value.total_cmp(&self.steps[b].value))
            .unwrap_or(0);
        Trajectory {
            steps: self.steps,
            best,
            stop,
        }
    }
}

pub(crate) fn check_dim(expected: usize, got: usize) -> Result<(), BilevelError> {
    if expected == got {
        Ok(())
    } else {
        Err(BilevelError::ShapeMismatch {
            what: "log_alpha",
            expected,
            got,
        })
    }
}

/// The estimated relative error of a sum `Σₖ wₖ gₖ` of gradients with relative estimates `eₖ`:
/// `Σₖ |wₖ| eₖ ‖gₖ‖ / ‖Σₖ wₖ gₖ‖` (absolute errors add). `None` if a part has none.
pub(crate) fn combined_estimate<'a>(
    parts: impl IntoIterator<Item = (f64, &'a HyperEval)>,
    total: &[f64],
) -> Option<f64> {
    let norm = |g: &[f64]| g.iter().map(|v| v * v).sum::<f64>().sqrt();
    let mut absolute = 0.0;
    for (weight, part) in parts {
        let e = part.error_estimate?;
        if e > 0.0 {
            absolute += weight.abs() * e * norm(&part.grad);
        }
    }
    let scale = norm(total);
    Some(if absolute == 0.0 {
        0.0
    } else if scale > 0.0 {
        absolute / scale
    } else {
        f64::INFINITY
    })
}
