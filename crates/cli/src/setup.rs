//! Loading the data and preparing it for a model: splits, standardization and the intercept.

use crate::DataArgs;
use clap::ValueEnum;
use hypergrad::optim::data::{
    breast_cancer, diabetes, read_csv_file, read_libsvm_file, standardize, train_validation_split,
    CsvOptions, Dataset,
};
use hypergrad::optim::{Design, Lasso, SparseLogistic};
use ndarray::Array1;

pub type Error = Box<dyn std::error::Error>;

/// The `--model` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModelKind {
    /// 1/(2n)‖y − Xβ‖² + α‖β‖₁.
    Lasso,
    /// 1/(2n)‖y − Xβ‖² + α₁‖β‖₁ + α₂/2‖β‖².
    Enet,
    /// 1/(2n)‖y − Xβ‖² + Σ α_j|β_j|.
    Wlasso,
    /// 1/n Σ log(1 + exp(−yᵢxᵢᵀβ)) + α‖β‖₁, labels ±1.
    Logreg,
    /// 1/(2n)‖y − Xβ‖² + α/2‖β‖².
    Ridge,
}

/// The data of a run, before any split.
pub struct Experiment {
    /// The model.
    pub kind: ModelKind,
    data: Dataset,
    val: Option<Dataset>,
    fit_intercept: bool,
    seed: u64,
}

/// A training set and a validation set prepared for fitting: features standardized with the
/// training statistics; with an intercept, targets centered by the training mean `intercept`
/// (the intercept of the standardized problem, which then needs no penalty-free coordinate).
pub struct Prepared {
    /// Training part.
    pub train: Dataset,
    /// Validation part (the training part itself for in-sample criteria).
    pub val: Dataset,
    /// The fitted intercept (0 without `--fit-intercept`).
    pub intercept: f64,
}

fn read(name: &str) -> Result<Dataset, Error> {
    Ok(match name {
        "diabetes" => diabetes(),
        "breast-cancer" | "breast_cancer" => breast_cancer(),
        path if path.ends_with(".csv") => read_csv_file(path, &CsvOptions::default())?,
        path => read_libsvm_file(path, None)?,
    })
}

/// `--alpha` (each > 0) or `--log-alpha` (each finite) as log-hyperparameters.
pub fn log_alpha(alpha: &[f64], log_alpha: &[f64]) -> Result<Vec<f64>, Error> {
    if let Some(bad) = alpha.iter().find(|a| !(a.is_finite() && **a > 0.0)) {
        return Err(format!("--alpha must be positive and finite, got {bad}").into());
    }
    if let Some(bad) = log_alpha.iter().find(|a| !a.is_finite()) {
        return Err(format!("--log-alpha must be finite, got {bad}").into());
    }
    Ok(if alpha.is_empty() {
        log_alpha.to_vec()
    } else {
        alpha.iter().map(|a| a.ln()).collect()
    })
}

fn mean_and_std(y: &[f64]) -> (f64, f64) {
    let n = y.len() as f64;
    let mean = y.iter().sum::<f64>() / n;
    let var = y.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    (mean, var.sqrt())
}

impl Experiment {
    /// Reads `--data` (and `--val`), checks the options that do not depend on the criterion.
    pub fn load(args: &DataArgs) -> Result<Self, Error> {
        let default = if args.model == ModelKind::Logreg {
            "breast-cancer"
        } else {
            "diabetes"
        };
        let data = read(args.data.as_deref().unwrap_or(default))?;
        let val = args.val.as_deref().map(read).transpose()?;
        if let Some(val) = &val {
            if data.x.n_features() != val.x.n_features() {
                return Err(format!(
                    "training data has {} features, validation data {}",
                    data.x.n_features(),
                    val.x.n_features()
                )
                .into());
            }
        }
        if !(args.tol > 0.0 && args.tol.is_finite()) {
            return Err(format!("--tol must be positive, got {}", args.tol).into());
        }
        if args.fit_intercept {
            if args.model == ModelKind::Logreg {
                return Err(
                    "--fit-intercept is not supported for logreg: the logistic solver has \
                            no unpenalized coordinate"
                        .into(),
                );
            }
            if matches!(data.x, Design::Sparse(_)) {
                return Err(
                    "--fit-intercept needs dense features: centering a sparse design \
                            would destroy its sparsity"
                        .into(),
                );
            }
        } else if args.model != ModelKind::Logreg {
            let (mean, std) = mean_and_std(&data.y);
            if mean.abs() > 0.5 * std {
                eprintln!(
                    "note: the targets have mean {mean:.4} (std {std:.4}) and no intercept is \
                     fitted; consider --fit-intercept"
                );
            }
        }
        Ok(Self {
            kind: args.model,
            data,
            val,
            fit_intercept: args.fit_intercept,
            seed: args.seed,
        })
    }

    /// Standardizes with the training statistics and centers the targets for an intercept.
    pub fn prepare(&self, mut train: Dataset, mut val: Dataset) -> Prepared {
        standardize(&mut train, &mut val);
        let intercept = if self.fit_intercept {
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
        Prepared {
            train,
            val,
            intercept,
        }
    }

    /// The held-out split: `--val` if given, otherwise a seeded third of `--data`.
    pub fn held_out(&self) -> Result<Prepared, Error> {
        let (train, val) = match &self.val {
            Some(val) => (self.data.clone(), val.clone()),
            None => train_validation_split(&self.data, 1.0 / 3.0, self.seed)?,
        };
        Ok(self.prepare(train, val))
    }

    /// All of `--data`, for in-sample criteria (SURE); `--val` does not apply.
    pub fn in_sample(&self) -> Result<Prepared, Error> {
        if self.val.is_some() {
            return Err("--val does not apply to this criterion, which uses all of --data".into());
        }
        Ok(self.prepare(self.data.clone(), self.data.clone()))
    }

    /// The K folds of `--data` (seeded), each prepared with its own training statistics.
    pub fn folds(&self, k: usize) -> Result<Vec<Prepared>, Error> {
        if self.val.is_some() {
            return Err("--val does not apply to cross-validation, which splits --data".into());
        }
        Ok(hypergrad::optim::data::kfold(&self.data, k, self.seed)?
            .into_iter()
            .map(|(train, val)| self.prepare(train, val))
            .collect())
    }

    /// `α_max` of the ℓ1 part on `train` (for ridge, of the same data as a Lasso): the scale
    /// of the search.
    pub fn alpha_max(&self, train: &Dataset) -> Result<f64, Error> {
        let y = Array1::from(train.y.clone());
        Ok(match self.kind {
            ModelKind::Logreg => SparseLogistic::new(train.x.clone(), y.view())?.alpha_max(),
            _ => Lasso::new(train.x.clone(), y.view())?.alpha_max(),
        })
    }

    /// The number of hyperparameters.
    pub fn dim(&self) -> usize {
        match self.kind {
            ModelKind::Enet => 2,
            ModelKind::Wlasso => self.data.x.n_features(),
            _ => 1,
        }
    }
}
