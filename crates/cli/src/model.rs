//! From `--model` to concrete types: the inner problem and its held-out criterion, each built
//! from a data set by a closure, so that one generic body serves every model.

/// Evaluates `$body` with `$problem: Fn(&Dataset) -> Result<P, Error>` (the model fitted on a
/// data set, at α = 1 until the hyperparameters are set) and `$criterion: Fn(&Dataset) ->
/// Result<C, Error>` (the model's validation loss on a data set), for the model `$kind`.
macro_rules! with_model {
    ($kind:expr, |$problem:ident, $criterion:ident| $body:expr) => {{
        use hypergrad::bilevel::{HeldOutLogistic, HeldOutMse};
        use hypergrad::optim::data::Dataset;
        use hypergrad::optim::{ElasticNet, Lasso, Ridge, SparseLogistic, WeightedLasso};
        use $crate::setup::{Error, ModelKind};
        fn targets(d: &Dataset) -> ndarray::Array1<f64> {
            ndarray::Array1::from(d.y.clone())
        }
        let mse = |d: &Dataset| -> Result<HeldOutMse, Error> {
            Ok(HeldOutMse::new(d.x.clone(), targets(d).view())?)
        };
        match $kind {
            ModelKind::Logreg => {
                let $problem = |d: &Dataset| -> Result<SparseLogistic, Error> {
                    Ok(SparseLogistic::new(d.x.clone(), targets(d).view(), 1.0)?)
                };
                let $criterion = |d: &Dataset| -> Result<HeldOutLogistic, Error> {
                    Ok(HeldOutLogistic::new(d.x.clone(), targets(d).view())?)
                };
                $body
            }
            ModelKind::Lasso => {
                let $problem = |d: &Dataset| -> Result<Lasso, Error> {
                    Ok(Lasso::new(d.x.clone(), targets(d).view(), 1.0)?)
                };
                let $criterion = mse;
                $body
            }
            ModelKind::Enet => {
                let $problem = |d: &Dataset| -> Result<ElasticNet, Error> {
                    Ok(ElasticNet::new(d.x.clone(), targets(d).view(), 1.0, 1.0)?)
                };
                let $criterion = mse;
                $body
            }
            ModelKind::Wlasso => {
                let $problem = |d: &Dataset| -> Result<WeightedLasso, Error> {
                    let ones = vec![1.0; d.x.n_features()];
                    Ok(WeightedLasso::new(d.x.clone(), targets(d).view(), &ones)?)
                };
                let $criterion = mse;
                $body
            }
            ModelKind::Ridge => {
                let $problem = |d: &Dataset| -> Result<Ridge, Error> {
                    Ok(Ridge::new(d.x.clone(), targets(d).view(), 1.0)?)
                };
                let $criterion = mse;
                $body
            }
        }
    }};
}

pub(crate) use with_model;
