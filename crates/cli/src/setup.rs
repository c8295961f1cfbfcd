//! Loading the data, building the model and criterion, and running the three commands.

use crate::{report, DataArgs, MethodKind, OptimizerKind};
use clap::ValueEnum;
use hypergrad::bilevel::outer::{
    grid_search, random_search, Adam, Bilevel, GradientDescent, HyperObjective, ToleranceSchedule,
    Trajectory,
};
use hypergrad::bilevel::{
    hypergradient, Checkpoints, FpadMode, HeldOutLogistic, HeldOutMse, InnerProblem, LinearSolver,
    Method, Options,
};
use hypergrad::optim::data::{
    breast_cancer, diabetes, read_csv_file, read_libsvm_file, standardize, train_validation_split,
    CsvOptions, Dataset,
};
use hypergrad::optim::{ElasticNet, Lasso, Ridge, SparseLogistic, WeightedLasso};
use ndarray::Array1;
use std::time::Instant;

type Error = Box<dyn std::error::Error>;

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

/// Training and validation data, prepared for one model.
pub struct Experiment {
    kind: ModelKind,
    train: Dataset,
    val: Dataset,
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

fn method(kind: MethodKind) -> Result<Method, Error> {
    Ok(match kind {
        MethodKind::ImplicitForward => Method::ImplicitForward,
        MethodKind::Implicit => Method::Implicit {
            linear_solver: LinearSolver::Bicgstab,
        },
        MethodKind::Forward => Method::ForwardUnrolled,
        MethodKind::Reverse => Method::ReverseUnrolled {
            truncate: None,
            checkpoints: Checkpoints::Uniform,
        },
        MethodKind::Fpad => Method::Fpad {
            mode: FpadMode::Forward,
        },
        MethodKind::OneStep => Method::OneStep,
        MethodKind::Grid | MethodKind::Random => {
            return Err(
                "grid and random search have no hypergradient: use them with `select`".into(),
            )
        }
    })
}

/// Builds the model (`$p`) and its criterion (`$c`) and evaluates `$body` with them.
macro_rules! with_model {
    ($e:expr, |$p:ident, $c:ident| $body:expr) => {{
        let (x, y, xv, yv) = (
            $e.train.x.clone(),
            Array1::from($e.train.y.clone()),
            $e.val.x.clone(),
            Array1::from($e.val.y.clone()),
        );
        match $e.kind {
            ModelKind::Logreg => {
                let mut $p = SparseLogistic::new(x, y.view(), 1.0)?;
                let $c = HeldOutLogistic::new(xv, yv.view())?;
                $body
            }
            kind => {
                let $c = HeldOutMse::new(xv, yv.view())?;
                match kind {
                    ModelKind::Enet => {
                        let mut $p = ElasticNet::new(x, y.view(), 1.0, 1.0)?;
                        $body
                    }
                    ModelKind::Wlasso => {
                        let p = x.n_features();
                        let mut $p = WeightedLasso::new(x, y.view(), &vec![1.0; p])?;
                        $body
                    }
                    ModelKind::Ridge => {
                        let mut $p = Ridge::new(x, y.view(), 1.0)?;
                        $body
                    }
                    _ => {
                        let mut $p = Lasso::new(x, y.view(), 1.0)?;
                        $body
                    }
                }
            }
        }
    }};
}

/// Grid search (`points` per axis for one hyperparameter, ⌈√points⌉ for two) or random search
/// (`points` draws) at the inner tolerance of `args`.
fn zero_order<H: HyperObjective>(
    objective: &mut H,
    args: &DataArgs,
    bounds: &[(f64, f64)],
    points: usize,
) -> Result<Trajectory, Error> {
    Ok(match (args.method(), bounds.len()) {
        (MethodKind::Random, _) => random_search(objective, bounds, points, args.tol, args.seed)?,
        (_, 1) => grid_search(objective, bounds, points, args.tol)?,
        (_, 2) => grid_search(
            objective,
            bounds,
            (points as f64).sqrt().ceil() as usize,
            args.tol,
        )?,
        _ => {
            return Err(
                "grid search over more than 2 hyperparameters is impractical: use --method random"
                    .into(),
            )
        }
    })
}

impl Experiment {
    /// Reads the data, splits it (unless `--val` is given), standardizes the features with the
    /// training statistics and, for regression models, centers the targets.
    pub fn load(args: &DataArgs) -> Result<Self, Error> {
        let default = if args.model == ModelKind::Logreg {
            "breast-cancer"
        } else {
            "diabetes"
        };
        let data = read(args.data.as_deref().unwrap_or(default))?;
        let (mut train, mut val) = match &args.val {
            Some(path) => (data, read(path)?),
            None => train_validation_split(&data, 1.0 / 3.0, args.seed)?,
        };
        if train.x.n_features() != val.x.n_features() {
            return Err(format!(
                "training data has {} features, validation data {}",
                train.x.n_features(),
                val.x.n_features()
            )
            .into());
        }
        if !(args.tol > 0.0 && args.tol.is_finite()) {
            return Err(format!("--tol must be positive, got {}", args.tol).into());
        }
        standardize(&mut train, &mut val);
        if args.model != ModelKind::Logreg {
            let mean = train.y.iter().sum::<f64>() / train.y.len() as f64;
            train
                .y
                .iter_mut()
                .chain(val.y.iter_mut())
                .for_each(|v| *v -= mean);
        }
        Ok(Self {
            kind: args.model,
            train,
            val,
        })
    }

    /// `α_max` of the ℓ1 part (for ridge, of the same data as a Lasso): the scale of the search.
    fn alpha_max(&self) -> Result<f64, Error> {
        let y = Array1::from(self.train.y.clone());
        Ok(match self.kind {
            ModelKind::Logreg => {
                SparseLogistic::new(self.train.x.clone(), y.view(), 1.0)?.alpha_max()
            }
            _ => Lasso::new(self.train.x.clone(), y.view(), 1.0)?.alpha_max(),
        })
    }

    fn dim(&self) -> usize {
        match self.kind {
            ModelKind::Enet => 2,
            ModelKind::Wlasso => self.train.x.n_features(),
            _ => 1,
        }
    }

    fn options(&self, tol: f64) -> Options {
        Options {
            inner_tol: tol,
            jacobian_tol: 1e-8,
            ..Options::default()
        }
    }

    /// `hypergrad select`.
    pub fn select(
        &self,
        args: &DataArgs,
        optimizer: OptimizerKind,
        max_outer: usize,
        compare: bool,
    ) -> Result<(), Error> {
        let alpha_max = self.alpha_max()?;
        let upper = if self.kind == ModelKind::Ridge {
            alpha_max * 1e3
        } else {
            alpha_max
        };
        let bounds = vec![((alpha_max * 1e-4).ln(), upper.ln()); self.dim()];
        let start = vec![(alpha_max / 10.0).ln(); self.dim()];
        let gradient_method = match args.method() {
            MethodKind::Grid | MethodKind::Random => Method::ImplicitForward,
            kind => method(kind)?,
        };
        let schedule = ToleranceSchedule {
            initial: (args.tol * 1e3).min(1e-4),
            decay: 0.5,
            minimum: args.tol,
        };
        let options = self.options(args.tol);
        let (run, grid) = with_model!(self, |problem, criterion| {
            let mut objective =
                Bilevel::new(&mut problem, &criterion, gradient_method, options.clone());
            let run = match (args.method(), optimizer) {
                (MethodKind::Grid | MethodKind::Random, _) => {
                    zero_order(&mut objective, args, &bounds, max_outer)?
                }
                (_, OptimizerKind::Gd) => GradientDescent {
                    max_steps: max_outer,
                    schedule,
                    bounds: bounds[0],
                    ..GradientDescent::default()
                }
                .run(&mut objective, &start)?,
                (_, OptimizerKind::Adam) => Adam {
                    max_steps: max_outer,
                    schedule,
                    bounds: bounds[0],
                    ..Adam::default()
                }
                .run(&mut objective, &start)?,
            };
            let grid = if compare {
                let mut fresh =
                    Bilevel::new(&mut problem, &criterion, Method::OneStep, options.clone());
                Some(zero_order(
                    &mut fresh,
                    &DataArgs {
                        method: Some(MethodKind::Grid),
                        ..args.clone()
                    },
                    &bounds,
                    30,
                )?)
            } else {
                None
            };
            (run, grid)
        });
        report::select(self.kind, args, &run, grid.as_ref());
        Ok(())
    }

    /// `hypergrad grad`.
    pub fn grad(&self, args: &DataArgs, log_alpha: &[f64]) -> Result<(), Error> {
        let method = method(args.method())?;
        let start = Instant::now();
        let h = with_model!(self, |problem, criterion| hypergradient(
            &mut problem,
            &criterion,
            log_alpha,
            &method,
            &self.options(args.tol)
        )?);
        report::grad(
            self.kind,
            args.method(),
            log_alpha,
            &h,
            start.elapsed().as_secs_f64(),
            args.json,
        );
        Ok(())
    }

    /// `hypergrad solve`.
    pub fn solve(&self, args: &DataArgs, log_alpha: &[f64]) -> Result<(), Error> {
        if log_alpha.len() != self.dim() {
            return Err(format!(
                "--alpha needs {} value(s) for this model, got {}",
                self.dim(),
                log_alpha.len()
            )
            .into());
        }
        let solution = with_model!(self, |problem, _criterion| InnerProblem::solve(
            &mut problem,
            log_alpha,
            None,
            args.tol,
            100_000
        )?);
        report::solve(&solution, args.json);
        Ok(())
    }
}
