//! Loading the data and checking the options for a model (the training and validation parts
//! are prepared in [`partition`]).

use crate::{labels, multitask, notes, DataArgs};
use clap::ValueEnum;
use hypergrad::optim::data::{
    breast_cancer, check_signal, diabetes, read_file, ColumnMap, Dataset, Format, Preprocessing,
    Standardization,
};
use hypergrad::optim::{Design, GroupLasso, Lasso, SparseLogistic};
use ndarray::Array1;

pub type Error = Box<dyn std::error::Error>;

mod partition;
pub use partition::Prepared;

/// The `--model` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModelKind {
    /// 1/(2n)‖y − Xβ‖² + α‖β‖₁.
    Lasso,
    /// 1/(2n)‖y − Xβ‖² + α₁‖β‖₁ + α₂/2‖β‖², or 1/(2n)‖y − Xβ‖² + αR‖β‖₁ + α(1 − R)/2‖β‖²
    /// with --l1-ratio R.
    Enet,
    /// 1/(2n)‖y − Xβ‖² + Σ α_j|β_j|.
    Wlasso,
    /// 1/n Σ log(1 + exp(−yᵢ(xᵢᵀβ + b))) + α‖β‖₁, labels ±1 (b unpenalized; 0 with
    /// --no-intercept).
    Logreg,
    /// 1/(2n)‖y − Xβ‖² + α/2‖β‖², or ½ Σ α_j β_j² given p values of α (one per feature).
    Ridge,
    /// 1/(2n)‖y − Xβ‖² + α Σ_g ‖β_g‖₂, the groups g from --groups.
    GroupLasso,
    /// 1/(2n)‖Y − XB‖_F² + α Σ_j ‖B_j‖₂ (B_j the coefficients of feature j in every task), the K
    /// targets the last K columns of a CSV file (--targets K).
    MultitaskLasso,
}

/// How cross-validation cuts the rows of `--data` into folds.
pub enum Folds {
    /// `cv:K`: K folds drawn with `--seed`.
    Seeded(usize),
    /// `cv` with `--folds`: one label per row, one fold per distinct label.
    Labels(Vec<String>),
}

/// The data of a run, before any split, and the conventions it is fitted with.
pub struct Experiment {
    /// The model.
    pub kind: ModelKind,
    /// The fixed mixing ratio of the elastic net (`--l1-ratio`).
    pub l1_ratio: Option<f64>,
    /// Warnings about the data, already printed on stderr, for the JSON output.
    pub warnings: Vec<String>,
    /// The groups of the group Lasso (`--groups`), as columns of the design.
    groups: Vec<Vec<usize>>,
    /// The number of targets K (1 but for the multitask Lasso; see [`multitask`]).
    tasks: usize,
    data: Dataset,
    val: Option<Dataset>,
    /// The conventions of every fit.
    pub conventions: Conventions,
    split: Option<f64>,
    seed: u64,
    dim: usize,
}

/// How a model is fitted: scikit-learn's conventions by default (an unpenalized intercept,
/// features as given), sparse-ho's with `--no-intercept`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conventions {
    /// An unpenalized intercept. The features are centered with the training means either way;
    /// least squares then centers the targets too (exact: the intercept is `ȳ − x̄ᵀβ`), logreg
    /// fits the intercept as a coefficient of the model (`SparseLogistic::with_intercept`).
    pub intercept: bool,
    /// Features scaled by their training spread; coefficients reported on the original scale.
    pub standardized: bool,
}

impl Conventions {
    /// The column map these conventions fit on the training design.
    fn rule(self) -> Standardization {
        Standardization {
            center: self.intercept,
            scale: self.standardized,
        }
    }
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
        "diabetes" => scikit_learn_diabetes()?,
        "breast-cancer" | "breast_cancer" => breast_cancer(),
        path => read_file(path, format)?,
    })
}

/// The diabetes data as scikit-learn's `load_diabetes()` serves it: each column centered and
/// scaled to unit Euclidean norm (`(x − x̄)/(σ√n)`), the target raw. So default flags on
/// `diabetes` fit exactly what `Lasso().fit(*load_diabetes(return_X_y=True))` fits.
fn scikit_learn_diabetes() -> Result<Dataset, Error> {
    let mut data = diabetes();
    Preprocessing::fit(&data.x, Standardization::FULL)?.apply(&mut data)?;
    let root_n = (data.y.len() as f64).sqrt();
    if let Design::Dense(x) = &mut data.x {
        x.mapv_inplace(|v| v / root_n);
    }
    Ok(data)
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
        if !(args.tol > 0.0 && args.tol.is_finite()) {
            return Err(format!("--tol must be positive, got {}", args.tol).into());
        }
        if let Some(r) = args.l1_ratio {
            if args.model != ModelKind::Enet {
                return Err("--l1-ratio applies to --model enet only".into());
            }
            if !(r > 0.0 && r <= 1.0) {
                return Err(format!("--l1-ratio must lie in (0, 1], got {r}").into());
            }
        }
        if let Some(f) = args.split {
            if !(f > 0.0 && f < 1.0) {
                return Err(format!("--split must lie strictly between 0 and 1, got {f}").into());
            }
        }
        let conventions = Conventions {
            intercept: !args.no_intercept,
            standardized: args.standardize,
        };
        let groups = match (&args.groups, args.model) {
            (Some(path), ModelKind::GroupLasso) => {
                labels::groups(&labels::read(path, "groups")?, &data)?
            }
            (None, ModelKind::GroupLasso) => {
                return Err(
                    "--model group-lasso needs --groups FILE, one group label per \
                            feature"
                        .into(),
                )
            }
            (Some(_), _) => return Err("--groups applies to --model group-lasso only".into()),
            (None, _) => Vec::new(),
        };
        let tasks = match (args.targets, args.model) {
            (Some(k), ModelKind::MultitaskLasso) => multitask::targets(k, &data)?,
            (None, ModelKind::MultitaskLasso) => {
                return Err(
                    "--model multitask-lasso needs --targets K, the last K columns of \
                            the CSV file"
                        .into(),
                )
            }
            (Some(_), _) => return Err("--targets applies to --model multitask-lasso only".into()),
            (None, _) => 1,
        };
        let warnings = if tasks > 1 {
            let (features, _) = multitask::split(&data, tasks)?;
            notes::data_notes(&Dataset::new(features, data.y.clone())?, conventions)?
        } else {
            notes::data_notes(&data, conventions)?
        };
        if !conventions.intercept && args.model != ModelKind::Logreg {
            let (mean, std) = mean_and_std(&data.y);
            if mean.abs() > 0.5 * std {
                eprintln!(
                    "note: the targets have mean {mean:.4} (std {std:.4}) and no intercept is \
                     fitted; drop --no-intercept to fit one"
                );
            }
        }
        Self {
            kind: args.model,
            l1_ratio: args.l1_ratio,
            warnings,
            groups,
            tasks,
            data,
            val,
            conventions,
            split: args.split,
            seed: args.seed,
            dim: 0,
        }
        .with_dim(None)
    }

    /// `α_max` of the ℓ1 part on `train` (for ridge, of the same data as a Lasso): the scale
    /// of the search.
    /// Fails, naming the cause, when `Xᵀy = 0` (`α_max = 0`: nothing to select).
    pub fn alpha_max(&self, train: &Dataset) -> Result<f64, Error> {
        if self.tasks == 1 {
            check_signal(&train.x, &train.y)?;
        }
        let y = Array1::from(train.y.clone());
        let alpha_max = match self.kind {
            ModelKind::Logreg if self.conventions.intercept => {
                SparseLogistic::with_intercept(train.x.clone(), y.view())?.alpha_max()
            }
            ModelKind::Logreg => SparseLogistic::new(train.x.clone(), y.view())?.alpha_max(),
            ModelKind::GroupLasso => {
                GroupLasso::new(train.x.clone(), y.view(), self.groups.clone())?.alpha_max()
            }
            ModelKind::MultitaskLasso => multitask::lasso(train, self.tasks)?.alpha_max(),
            // The ℓ1 weight is αR: the solution is 0 from α = α_max/R.
            ModelKind::Enet if self.l1_ratio.is_some() => {
                Lasso::new(train.x.clone(), y.view())?.alpha_max() / self.l1_ratio.unwrap_or(1.0)
            }
            _ => Lasso::new(train.x.clone(), y.view())?.alpha_max(),
        };
        if alpha_max == 0.0 {
            return Err(
                "the targets are zero or orthogonal to every feature: there is nothing \
                        to select"
                    .into(),
            );
        }
        if !alpha_max.is_finite() {
            return Err(format!(
                "α_max = ‖Xᵀy‖∞/n is not finite ({alpha_max}): a computation overflowed double \
                 precision; check the scale of the data"
            )
            .into());
        }
        Ok(alpha_max)
    }

    /// The source columns of the design (LIBSVM keeps only those that occur).
    pub fn columns(&self) -> &ColumnMap {
        &self.data.columns
    }

    /// The number of features p.
    pub fn n_features(&self) -> usize {
        self.data.x.n_features() + 1 - self.tasks
    }

    /// The number of targets K (1 but for the multitask Lasso).
    pub fn tasks(&self) -> usize {
        self.tasks
    }

    /// The numbers of hyperparameters the model accepts (ridge: one, or one per feature).
    pub fn dims(&self) -> Vec<usize> {
        let p = self.n_features();
        match self.kind {
            ModelKind::Enet if self.l1_ratio.is_some() => vec![1],
            ModelKind::Enet => vec![2],
            ModelKind::Wlasso => vec![p],
            ModelKind::Ridge if p > 1 => vec![1, p],
            _ => vec![1],
        }
    }

    /// Sets the number of hyperparameters (`None`: the model's first), checked against
    /// [`dims`](Self::dims).
    pub fn with_dim(mut self, count: Option<usize>) -> Result<Self, Error> {
        let dims = self.dims();
        let count = count.unwrap_or(dims[0]);
        if !dims.contains(&count) {
            let allowed: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
            return Err(format!(
                "--alpha needs {} value(s) for this model, got {count}",
                allowed.join(" or ")
            )
            .into());
        }
        self.dim = count;
        Ok(self)
    }

    /// The number of hyperparameters.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The groups of the group Lasso, as columns of the design (empty for other models).
    pub fn groups(&self) -> &[Vec<usize>] {
        &self.groups
    }

    /// Whether the model is ridge with one penalty per feature.
    pub fn per_feature(&self) -> bool {
        self.kind == ModelKind::Ridge && self.dim > 1
    }
}
