//! Multitask data (`--targets K`): the last K columns of a CSV file are K targets sharing the
//! features. Until a model is built, the first K − 1 targets ride as the last K − 1 columns of
//! the design (`Dataset::y` holds the K-th), so that every split, fold and centering of the rows
//! applies to all of them as to the target of one task; [`split`] takes them off.

use crate::setup::Error;
use hypergrad::ad::Scalar;
use hypergrad::bilevel::{Criterion, HeldOutMultitaskMse};
use hypergrad::optim::data::Dataset;
use hypergrad::optim::{Design, MultiTaskLasso};
use ndarray::{s, Array2, ArrayView1};

/// The features (the first p columns of the design) and the n × K targets of `d`.
pub fn split(d: &Dataset, tasks: usize) -> Result<(Design, Array2<f64>), Error> {
    let Design::Dense(x) = &d.x else {
        return Err("--targets needs dense data: a CSV file".into());
    };
    let p = x.ncols() + 1 - tasks;
    let mut y = Array2::zeros((x.nrows(), tasks));
    y.slice_mut(s![.., ..tasks - 1])
        .assign(&x.slice(s![.., p..]));
    y.column_mut(tasks - 1).assign(&ArrayView1::from(&d.y));
    Ok((Design::dense(x.slice(s![.., ..p]).to_owned())?, y))
}

/// The multitask Lasso on `d`.
pub fn lasso(d: &Dataset, tasks: usize) -> Result<MultiTaskLasso, Error> {
    let (x, y) = split(d, tasks)?;
    Ok(MultiTaskLasso::new(x, y.view())?)
}

/// The held-out mean squared error over all tasks on `d`.
pub fn mse(d: &Dataset, tasks: usize) -> Result<MeanSquaredError, Error> {
    let (x, y) = split(d, tasks)?;
    Ok(MeanSquaredError {
        sum: HeldOutMultitaskMse::new(x, y.view())?,
        tasks,
    })
}

/// The held-out mean squared error over all tasks and rows, `‖Y − XB‖_F²/(nK)`: the mean of the
/// tasks' held-out MSEs (the library's [`HeldOutMultitaskMse`] is their sum).
pub struct MeanSquaredError {
    sum: HeldOutMultitaskMse,
    tasks: usize,
}

impl Criterion for MeanSquaredError {
    fn dim_x(&self) -> usize {
        self.sum.dim_x()
    }
    fn value<S: Scalar>(&self, x: &[S], theta: &[S]) -> S {
        let mean = 1.0 / self.tasks as f64;
        self.sum.value(x, theta).scale(S::Real::from_f64(mean))
    }
}

/// The number of targets of `--targets k`, checked against `data` (dense, more than k columns).
pub fn targets(k: usize, data: &Dataset) -> Result<usize, Error> {
    if k < 2 {
        return Err(
            format!("--targets needs K ≥ 2 targets, got {k} (one target: --model lasso)").into(),
        );
    }
    if !matches!(data.x, Design::Dense(_)) {
        return Err("--targets needs dense data: a CSV file (a LIBSVM row has one label)".into());
    }
    let columns = data.x.n_features() + 1;
    if columns <= k {
        return Err(format!(
            "--targets {k}: the file has {columns} column(s), so no feature is left"
        )
        .into());
    }
    Ok(k)
}
