//! K-fold cross-validation as one outer objective: the mean of a criterion over folds, each
//! fold its own warm-started [`Bilevel`] objective, evaluated in parallel.

use super::{combined_estimate, Bilevel, HyperEval, HyperObjective};
use crate::{BilevelError, Criterion};
use hypergrad_optim::FixedPointMap;
use rayon::prelude::*;

/// The cross-validated outer objective
///
/// `h(λ) = 1/K Σ_k C_k(x_k*(λ))`,  `∇h(λ) = 1/K Σ_k ∇h_k(λ)`,
///
/// where fold `k` has its own inner problem (trained on the other folds), criterion (on fold
/// `k`) and warm starts, so each fold is warm-started from its own previous solution across
/// outer steps. The folds are evaluated in parallel (rayon); the inner iterations reported are
/// the sum over folds.
///
/// Build the folds with `hypergrad_optim::data::kfold`, one [`Bilevel`] per (train, validation)
/// pair:
///
/// ```
/// use hypergrad_bilevel::outer::{Bilevel, CrossValidation, Lbfgs};
/// use hypergrad_bilevel::{HeldOutMse, Method, Options};
/// use hypergrad_optim::data::{diabetes, kfold, standardize};
/// use hypergrad_optim::Lasso;
/// use ndarray::Array1;
///
/// let (mut lassos, mut criteria) = (Vec::new(), Vec::new());
/// for (mut train, mut val) in kfold(&diabetes(), 3, 0).unwrap() {
///     standardize(&mut train, &mut val).unwrap();
///     let mean = train.y.iter().sum::<f64>() / train.y.len() as f64;
///     let center = |y: &[f64]| Array1::from_iter(y.iter().map(|v| v - mean));
///     lassos.push(Lasso::new(train.x, center(&train.y).view()).unwrap());
///     criteria.push(HeldOutMse::new(val.x, center(&val.y).view()).unwrap());
/// }
/// let start = [(lassos[0].alpha_max() / 10.0).ln()];
/// let folds = lassos
///     .iter()
///     .zip(&criteria)
///     .map(|(p, c)| Bilevel::new(p, c, Method::ImplicitForward, Options::default()))
///     .collect();
/// let mut cv = CrossValidation::new(folds).unwrap();
/// let run = Lbfgs::default().run(&mut cv, &start).unwrap();
/// assert!(run.best().value < run.steps[0].value);
/// ```
pub struct CrossValidation<'a, P, C> {
    folds: Vec<Bilevel<'a, P, C>>,
}

impl<'a, P: FixedPointMap, C: Criterion> CrossValidation<'a, P, C> {
    /// The mean over `folds`. Errors: no folds; folds with different numbers of
    /// hyperparameters.
    pub fn new(folds: Vec<Bilevel<'a, P, C>>) -> Result<Self, BilevelError> {
        let Some(first) = folds.first() else {
            return Err(BilevelError::InvalidParameter {
                name: "folds",
                value: 0.0,
                reason: "cross-validation needs at least one fold",
            });
        };
        let expected = first.dim();
        if let Some(other) = folds.iter().find(|f| f.dim() != expected) {
            return Err(BilevelError::ShapeMismatch {
                what: "fold hyperparameters",
                expected,
                got: other.dim(),
            });
        }
        Ok(Self { folds })
    }

    /// The per-fold objectives (with their warm starts).
    pub fn folds(&self) -> &[Bilevel<'a, P, C>] {
        &self.folds
    }
}

impl<'a, P: FixedPointMap + Sync, C: Criterion + Sync> CrossValidation<'a, P, C> {
    /// Runs `eval` on every fold in parallel and averages value and gradient; the first failing
    /// fold (in fold order) gives the error.
    fn mean<F>(&mut self, eval: F) -> Result<HyperEval, BilevelError>
    where
        F: Fn(&mut Bilevel<'a, P, C>) -> Result<HyperEval, BilevelError> + Send + Sync,
    {
        let evals: Vec<HyperEval> = self
            .folds
            .par_iter_mut()
            .map(eval)
            .collect::<Vec<Result<HyperEval, BilevelError>>>()
            .into_iter()
            .collect::<Result<_, _>>()?;
        let k = evals.len() as f64;
        let mut mean = HyperEval::default();
        for fold in &evals {
            mean.value += fold.value / k;
            mean.grad.resize(fold.grad.len(), 0.0);
            mean.grad
                .iter_mut()
                .zip(&fold.grad)
                .for_each(|(m, g)| *m += g / k);
            mean.inner_iterations += fold.inner_iterations;
            mean.warnings.extend(fold.warnings.iter().cloned());
        }
        if !mean.grad.is_empty() {
            mean.error_estimate = combined_estimate(evals.iter().map(|e| (1.0 / k, e)), &mean.grad);
        }
        Ok(mean)
    }
}

impl<P: FixedPointMap + Sync, C: Criterion + Sync> HyperObjective for CrossValidation<'_, P, C> {
    fn dim(&self) -> usize {
        self.folds[0].dim()
    }
    fn evaluate(&mut self, log_alpha: &[f64], inner_tol: f64) -> Result<HyperEval, BilevelError> {
        self.mean(|fold| fold.evaluate(log_alpha, inner_tol))
    }
    /// The mean of the folds' [`HyperObjective::value`] (no gradient).
    fn value(&mut self, log_alpha: &[f64], inner_tol: f64) -> Result<HyperEval, BilevelError> {
        self.mean(|fold| fold.value(log_alpha, inner_tol))
    }
}
