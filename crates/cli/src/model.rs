//! From `--model` to concrete types: the inner problem and its held-out criterion, each built
//! from a data set by a function, so that one generic body serves every model.

use crate::setup::Error;
use hypergrad::bilevel::{HeldOutLogistic, HeldOutMse};
use hypergrad::optim::data::Dataset;
use hypergrad::optim::{ElasticNet, GroupLasso, Lasso, Ridge, SparseLogistic, WeightedLasso};
use ndarray::Array1;

fn targets(d: &Dataset) -> Array1<f64> {
    Array1::from(d.y.clone())
}

/// The Lasso on `d`.
pub fn lasso(d: &Dataset) -> Result<Lasso, Error> {
    Ok(Lasso::new(d.x.clone(), targets(d).view())?)
}

/// The elastic net on `d`: two hyperparameters, or one with the fixed mixing ratio `l1_ratio`.
pub fn enet(d: &Dataset, l1_ratio: Option<f64>) -> Result<ElasticNet, Error> {
    Ok(match l1_ratio {
        None => ElasticNet::new(d.x.clone(), targets(d).view())?,
        Some(r) => ElasticNet::with_l1_ratio(d.x.clone(), targets(d).view(), r)?,
    })
}

/// The weighted Lasso on `d`, one weight per feature.
pub fn wlasso(d: &Dataset) -> Result<WeightedLasso, Error> {
    Ok(WeightedLasso::new(d.x.clone(), targets(d).view())?)
}

/// The group Lasso on `d` with the groups `groups` (columns of `d`).
pub fn group_lasso(d: &Dataset, groups: &[Vec<usize>]) -> Result<GroupLasso, Error> {
    Ok(GroupLasso::new(
        d.x.clone(),
        targets(d).view(),
        groups.to_vec(),
    )?)
}

/// Ridge on `d`, one penalty.
pub fn ridge(d: &Dataset) -> Result<Ridge, Error> {
    Ok(Ridge::new(d.x.clone(), targets(d).view())?)
}

/// Ridge on `d`, one penalty per feature.
pub fn ridge_per_feature(d: &Dataset) -> Result<Ridge, Error> {
    let loss = hypergrad::optim::LeastSquares::new(d.x.clone(), targets(d).view())?;
    Ok(Ridge::per_feature(loss))
}

/// Sparse logistic regression on `d` (labels ±1).
pub fn logreg(d: &Dataset) -> Result<SparseLogistic, Error> {
    Ok(SparseLogistic::new(d.x.clone(), targets(d).view())?)
}

/// Sparse logistic regression on `d` with an unpenalized intercept (the last coefficient).
pub fn logreg_with_intercept(d: &Dataset) -> Result<SparseLogistic, Error> {
    Ok(SparseLogistic::with_intercept(
        d.x.clone(),
        targets(d).view(),
    )?)
}

/// The held-out mean squared error on `d`.
pub fn mse(d: &Dataset) -> Result<HeldOutMse, Error> {
    Ok(HeldOutMse::new(d.x.clone(), targets(d).view())?)
}

/// The held-out logistic loss on `d`.
pub fn logistic(d: &Dataset) -> Result<HeldOutLogistic, Error> {
    Ok(HeldOutLogistic::new(d.x.clone(), targets(d).view())?)
}

/// The held-out logistic loss on `d` of a model with an intercept (predictions `xᵀβ + b`).
pub fn logistic_with_intercept(d: &Dataset) -> Result<HeldOutLogistic, Error> {
    Ok(HeldOutLogistic::with_intercept(
        d.x.clone(),
        targets(d).view(),
    )?)
}

/// Evaluates `$body` with `$problem: fn(&Dataset) -> Result<P, Error>` (the model fitted on a
/// data set) and `$criterion: fn(&Dataset) -> Result<C, Error>` (the model's validation loss on
/// a data set), for the model of the experiment `$experiment`.
macro_rules! with_model {
    ($experiment:expr, |$problem:ident, $criterion:ident| $body:expr) => {{
        use $crate::model;
        use $crate::setup::ModelKind;
        let experiment: &$crate::setup::Experiment = $experiment;
        match experiment.kind {
            ModelKind::Logreg if experiment.conventions.intercept => {
                let ($problem, $criterion) =
                    (model::logreg_with_intercept, model::logistic_with_intercept);
                $body
            }
            ModelKind::Logreg => {
                let ($problem, $criterion) = (model::logreg, model::logistic);
                $body
            }
            ModelKind::Lasso => {
                let ($problem, $criterion) = (model::lasso, model::mse);
                $body
            }
            ModelKind::Enet => {
                let l1_ratio = experiment.l1_ratio;
                let ($problem, $criterion) = (
                    |d: &hypergrad::optim::data::Dataset| model::enet(d, l1_ratio),
                    model::mse,
                );
                $body
            }
            ModelKind::Wlasso => {
                let ($problem, $criterion) = (model::wlasso, model::mse);
                $body
            }
            ModelKind::Ridge if experiment.per_feature() => {
                let ($problem, $criterion) = (model::ridge_per_feature, model::mse);
                $body
            }
            ModelKind::Ridge => {
                let ($problem, $criterion) = (model::ridge, model::mse);
                $body
            }
            ModelKind::MultitaskLasso => {
                let tasks = experiment.tasks();
                let ($problem, $criterion) = (
                    |d: &hypergrad::optim::data::Dataset| $crate::multitask::lasso(d, tasks),
                    |d: &hypergrad::optim::data::Dataset| $crate::multitask::mse(d, tasks),
                );
                $body
            }
            ModelKind::GroupLasso => {
                let groups = experiment.groups();
                let ($problem, $criterion) = (
                    |d: &hypergrad::optim::data::Dataset| model::group_lasso(d, groups),
                    model::mse,
                );
                $body
            }
        }
    }};
}

/// Evaluates `$body` with `$problem` for the least-squares models (those whose fit is linear in
/// `y` on the support: what Monte-Carlo SURE needs); `Err` for logreg.
macro_rules! with_least_squares_model {
    ($experiment:expr, |$problem:ident| $body:expr) => {{
        use $crate::model;
        use $crate::setup::ModelKind;
        let experiment: &$crate::setup::Experiment = $experiment;
        match experiment.kind {
            ModelKind::Logreg => Err::<_, $crate::setup::Error>(
                "mc-sure:σ needs a least-squares model: it does not apply to logreg".into(),
            ),
            ModelKind::GroupLasso | ModelKind::MultitaskLasso => Err::<_, $crate::setup::Error>(
                "mc-sure:σ needs a model whose fit is linear in y on its support (lasso, enet, \
                 wlasso, ridge)"
                    .into(),
            ),
            ModelKind::Lasso => {
                let $problem = model::lasso;
                Ok($body)
            }
            ModelKind::Enet => {
                let l1_ratio = experiment.l1_ratio;
                let $problem = |d: &hypergrad::optim::data::Dataset| model::enet(d, l1_ratio);
                Ok($body)
            }
            ModelKind::Wlasso => {
                let $problem = model::wlasso;
                Ok($body)
            }
            ModelKind::Ridge if experiment.per_feature() => {
                let $problem = model::ridge_per_feature;
                Ok($body)
            }
            ModelKind::Ridge => {
                let $problem = model::ridge;
                Ok($body)
            }
        }
    }};
}

pub(crate) use {with_least_squares_model, with_model};
