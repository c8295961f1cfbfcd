//! How `--data` (and `--val`) become a training and a validation part — a held-out split,
//! every row, or the folds of cross-validation — each prepared with its own training
//! statistics (centering for an intercept, scaling with `--standardize`).

use super::{mean_and_std, Error, Experiment, Folds, ModelKind};
use crate::labels;
use hypergrad::optim::data::{
    kfold, labelled_folds, train_validation_split, Dataset, Preprocessing,
};

/// A training set and a validation set prepared for fitting by one rule, fitted on the
/// training part whatever the formats: columns mapped by `map` (centered for an intercept,
/// scaled with `--standardize`), targets shifted by the training mean `y_mean` for an
/// intercept.
pub struct Prepared {
    /// Training part.
    pub train: Dataset,
    /// Validation part (the training part itself for in-sample criteria).
    pub val: Dataset,
    /// Whether `val` is the training rows themselves (no held-out rows).
    pub in_sample: bool,
    /// The column map fitted on the training part.
    pub map: Preprocessing,
    /// The training mean of the targets (0 without an intercept, and for logreg).
    pub y_mean: f64,
    /// Whether the model's state ends with its intercept (logreg with an intercept).
    pub fitted_intercept: bool,
    /// The number of features p (the design's first p columns; see [`multitask`]).
    features: usize,
    /// The number of targets K.
    tasks: usize,
}

impl Prepared {
    /// Coefficients and intercept on the original columns of a model of state `x` (the
    /// coefficients, then the intercept if the model fits one) fitted on `train`, one pair per
    /// task (`x` row-major p × K for several tasks: `x[j·K + t]`).
    pub fn original(&self, x: &[f64]) -> Result<Vec<(Vec<f64>, f64)>, Error> {
        if self.tasks == 1 {
            let (coef, intercept) = match (self.fitted_intercept, x.split_last()) {
                (true, Some((b, coef))) => (coef, self.y_mean + b),
                _ => (x, self.y_mean),
            };
            return Ok(vec![self.map.to_original(coef, intercept)?]);
        }
        let p = self.features;
        let features = Preprocessing {
            mean: self.map.mean[..p].to_vec(),
            scale: self.map.scale[..p].to_vec(),
            ..self.map.clone()
        };
        (0..self.tasks)
            .map(|t| {
                let coef: Vec<f64> = x.iter().skip(t).step_by(self.tasks).copied().collect();
                // The training mean of target t: its riding column's, or the target's.
                let mean = self.map.mean.get(p + t).copied().unwrap_or(self.y_mean);
                Ok(features.to_original(&coef, mean)?)
            })
            .collect()
    }

    /// `(training rows, validation rows)`; the validation count is `None` in sample.
    pub fn rows(&self) -> (usize, Option<usize>) {
        (
            self.train.y.len(),
            (!self.in_sample).then_some(self.val.y.len()),
        )
    }
}

impl Experiment {
    /// Fits the column map of the conventions on `train`, applies it to both parts, and
    /// centers the targets for an intercept.
    fn prepare(
        &self,
        mut train: Dataset,
        mut val: Dataset,
        in_sample: bool,
    ) -> Result<Prepared, Error> {
        if self.conventions.intercept && train.y.len() < 2 {
            return Err(format!(
                "the training part has {} row: an intercept needs at least 2 (give more rows, \
                 or --no-intercept)",
                train.y.len()
            )
            .into());
        }
        let mut map = Preprocessing::fit(&train.x, self.conventions.rule())?;
        // The targets riding in the design are centered like the target, never scaled.
        let features = self.n_features();
        map.scale[features..].iter_mut().for_each(|s| *s = 1.0);
        map.apply(&mut train)?;
        map.apply(&mut val)?;
        let fitted_intercept = self.conventions.intercept && self.kind == ModelKind::Logreg;
        let y_mean = if self.conventions.intercept && !fitted_intercept {
            let (mean, _) = mean_and_std(&train.y);
            train
                .y
                .iter_mut()
                .chain(val.y.iter_mut())
                .for_each(|v| *v -= mean);
            mean
        } else {
            0.0
        };
        Ok(Prepared {
            train,
            val,
            in_sample,
            map,
            y_mean,
            fitted_intercept,
            features,
            tasks: self.tasks,
        })
    }

    /// `--split` of `--data`: (training rows, validation rows).
    fn split(&self, fraction: f64) -> Result<Prepared, Error> {
        let (train, val) = train_validation_split(&self.data, fraction, self.seed)?;
        self.prepare(train, val, false)
    }

    /// The held-out split of `select`: `--val` if given, otherwise `--split` of `--data`
    /// (a seeded third by default).
    pub fn held_out(&self) -> Result<Prepared, Error> {
        match &self.val {
            Some(val) => self.prepare(self.data.clone(), val.clone(), false),
            None => self.split(self.split.unwrap_or(1.0 / 3.0)),
        }
    }

    /// The data of `solve` and `grad`: every row of `--data`, validated on `--val` if given,
    /// on `--split` of `--data` if asked for, otherwise on the training rows themselves.
    pub fn point(&self) -> Result<Prepared, Error> {
        match (&self.val, self.split) {
            (Some(val), _) => self.prepare(self.data.clone(), val.clone(), false),
            (None, Some(fraction)) => self.split(fraction),
            (None, None) => self.prepare(self.data.clone(), self.data.clone(), true),
        }
    }

    /// Every row of `--data`, validated on itself (the refit after a search).
    pub fn all_rows(&self) -> Result<Prepared, Error> {
        self.prepare(self.data.clone(), self.data.clone(), true)
    }

    /// All of `--data`, for in-sample criteria (SURE); `--val` and `--split` do not apply.
    pub fn in_sample(&self) -> Result<Prepared, Error> {
        if self.val.is_some() || self.split.is_some() {
            return Err(
                "--val and --split do not apply to this criterion, which uses all of --data".into(),
            );
        }
        self.all_rows()
    }

    /// The folds of `--data` by `rule`, each prepared with its own training statistics.
    pub fn folds(&self, rule: &Folds) -> Result<Vec<Prepared>, Error> {
        if self.val.is_some() || self.split.is_some() {
            return Err(
                "--val and --split do not apply to cross-validation, which splits --data".into(),
            );
        }
        let pairs = match rule {
            Folds::Seeded(k) => kfold(&self.data, *k, self.seed)?,
            Folds::Labels(labels) => {
                labels::check(labels, "folds", (self.data.y.len() as u64, "row"), 2)?;
                labelled_folds(&self.data, labels)?
            }
        };
        pairs
            .into_iter()
            .map(|(train, val)| self.prepare(train, val, false))
            .collect()
    }
}
