//! Loading the data and preparing it for a model: splits, standardization and the intercept.

use crate::DataArgs;
use clap::ValueEnum;
use hypergrad::optim::data::{
    breast_cancer, check_signal, diabetes, read_file, standardize, train_validation_split,
    ColumnMap, Dataset, Format, Preprocessing, Standardization,
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

/// The `--format` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatKind {
    /// Comma-separated values, target last, header optional.
    Csv,
    /// LIBSVM / SVMlight: `label index:value …`.
    Libsvm,
}

/// An embedded data set by name, or a file in `format` (detected from its content if `None`).
fn read(name: &str, format: Option<FormatKind>) -> Result<Dataset, Error> {
    let format = format.map(|f| match f {
        FormatKind::Csv => Format::Csv,
        FormatKind::Libsvm => Format::Libsvm,
    });
    Ok(match name {
        "diabetes" => diabetes(),
        "breast-cancer" | "breast_cancer" => breast_cancer(),
        path => read_file(path, format)?,
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

/// Mean and standard deviation, computed on `y / max|y|` so that entries near 1e308 do not
/// overflow.
fn mean_and_std(y: &[f64]) -> (f64, f64) {
    let (n, top) = (
        y.len() as f64,
        y.iter().fold(0.0_f64, |m, v| m.max(v.abs())),
    );
    if top == 0.0 {
        return (0.0, 0.0);
    }
    let mean = y.iter().map(|v| v / top).sum::<f64>() / n;
    let var = y.iter().map(|v| (v / top - mean).powi(2)).sum::<f64>() / n;
    (mean * top, var.sqrt() * top)
}

impl Experiment {
    /// Reads `--data` (and `--val`), checks the options that do not depend on the criterion.
    pub fn load(args: &DataArgs) -> Result<Self, Error> {
        let default = if args.model == ModelKind::Logreg {
            "breast-cancer"
        } else {
            "diabetes"
        };
        let data = read(args.data.as_deref().unwrap_or(default), args.format)?;
        let mut val = args
            .val
            .as_deref()
            .map(|name| read(name, args.format))
            .transpose()?;
        if let Some(val) = &mut val {
            val.align_columns(&data.columns)
                .map_err(|e| format!("--val: {e}"))?;
        }
        notes(&data)?;
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
    pub fn prepare(&self, mut train: Dataset, mut val: Dataset) -> Result<Prepared, Error> {
        standardize(&mut train, &mut val)?;
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
        Ok(Prepared {
            train,
            val,
            intercept,
        })
    }

    /// The held-out split: `--val` if given, otherwise a seeded third of `--data`.
    pub fn held_out(&self) -> Result<Prepared, Error> {
        let (train, val) = match &self.val {
            Some(val) => (self.data.clone(), val.clone()),
            None => train_validation_split(&self.data, 1.0 / 3.0, self.seed)?,
        };
        self.prepare(train, val)
    }

    /// All of `--data`, for in-sample criteria (SURE); `--val` does not apply.
    pub fn in_sample(&self) -> Result<Prepared, Error> {
        if self.val.is_some() {
            return Err("--val does not apply to this criterion, which uses all of --data".into());
        }
        self.prepare(self.data.clone(), self.data.clone())
    }

    /// The K folds of `--data` (seeded), each prepared with its own training statistics.
    pub fn folds(&self, k: usize) -> Result<Vec<Prepared>, Error> {
        if self.val.is_some() {
            return Err("--val does not apply to cross-validation, which splits --data".into());
        }
        hypergrad::optim::data::kfold(&self.data, k, self.seed)?
            .into_iter()
            .map(|(train, val)| self.prepare(train, val))
            .collect()
    }

    /// `α_max` of the ℓ1 part on `train` (for ridge, of the same data as a Lasso): the scale
    /// of the search.
    /// Fails, naming the cause, when `Xᵀy = 0` (`α_max = 0`: nothing to select).
    pub fn alpha_max(&self, train: &Dataset) -> Result<f64, Error> {
        check_signal(&train.x, &train.y)?;
        let y = Array1::from(train.y.clone());
        Ok(match self.kind {
            ModelKind::Logreg => SparseLogistic::new(train.x.clone(), y.view())?.alpha_max(),
            _ => Lasso::new(train.x.clone(), y.view())?.alpha_max(),
        })
    }

    /// The source columns of the design (LIBSVM keeps only those that occur).
    pub fn columns(&self) -> &ColumnMap {
        &self.data.columns
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

/// Notes on stderr about the columns of `data`: indices that never occur (not stored) and
/// constant columns (mapped to zero by standardization, which centers dense data).
fn notes(data: &Dataset) -> Result<(), Error> {
    let dropped = data.columns.n_dropped();
    if dropped > 0 {
        eprintln!(
            "note: {dropped} of the {} feature indices never occur and are not stored; \
             coefficients are listed with their feature index",
            data.columns.width()
        );
    }
    let constant = Preprocessing::fit(&data.x, Standardization::for_design(&data.x))?.constant;
    if !constant.is_empty() && matches!(data.x, Design::Dense(_)) {
        let shown: Vec<String> = constant
            .iter()
            .take(10)
            .map(|j| (j + 1).to_string())
            .collect();
        eprintln!(
            "note: {} constant feature column(s) ({}{}): standardized to zero, coefficient 0",
            constant.len(),
            shown.join(", "),
            if constant.len() > 10 { ", …" } else { "" }
        );
    }
    Ok(())
}
