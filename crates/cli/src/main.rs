//! The `hypergrad` command line: choose the regularization of a model on a data set by
//! hypergradient descent (`select`), compute one hypergradient (`grad`) or one inner solution
//! (`solve`). Conventions: scikit-learn / sparse-ho scaling, no intercept (targets of regression
//! models are centered and features standardized with the training statistics), hyperparameters
//! in log scale.

mod report;
mod setup;

use clap::{Args, Parser, Subcommand, ValueEnum};
use setup::{Experiment, ModelKind};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "hypergrad",
    version,
    about = "Hyperparameter selection by hypergradient"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Choose the hyperparameters that minimize the validation criterion.
    Select(SelectArgs),
    /// One hypergradient at given hyperparameters.
    Grad(PointArgs),
    /// The inner solution at given hyperparameters.
    Solve(PointArgs),
}

/// Where the data comes from and which model is fitted.
#[derive(Args, Clone)]
pub struct DataArgs {
    /// A CSV file (header optional, target last), a LIBSVM file, or `diabetes` / `breast-cancer`
    /// (embedded). Default: diabetes, or breast-cancer for `--model logreg`.
    #[arg(long)]
    pub data: Option<String>,
    /// A validation file in the same format; otherwise a seeded third of the data.
    #[arg(long)]
    pub val: Option<String>,
    /// The inner model.
    #[arg(long, value_enum, default_value = "lasso")]
    pub model: ModelKind,
    /// The hypergradient method (`grid` / `random` are zero-order baselines for `select`).
    /// Default: implicit-forward, or implicit for ridge (which has no support).
    #[arg(long, value_enum)]
    pub method: Option<MethodKind>,
    /// Inner solver tolerance (relative duality gap for coordinate descent).
    #[arg(long, default_value_t = 1e-8)]
    pub tol: f64,
    /// Seed of the train / validation split and of random search.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
struct SelectArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The outer optimizer (for gradient methods).
    #[arg(long, value_enum, default_value = "gd")]
    optimizer: OptimizerKind,
    /// Outer steps (or grid / random points).
    #[arg(long, default_value_t = 30)]
    max_outer: usize,
    /// Also run a 30-point grid search and compare.
    #[arg(long)]
    compare: bool,
}

#[derive(Args)]
struct PointArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Hyperparameters α (comma-separated; one per hyperparameter of the model).
    #[arg(
        long,
        value_delimiter = ',',
        allow_hyphen_values = true,
        conflicts_with = "log_alpha",
        required_unless_present = "log_alpha"
    )]
    alpha: Vec<f64>,
    /// Hyperparameters as log α (comma-separated).
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    log_alpha: Vec<f64>,
}

impl DataArgs {
    /// The method asked for, or the model's default.
    pub fn method(&self) -> MethodKind {
        self.method.unwrap_or(match self.model {
            ModelKind::Ridge => MethodKind::Implicit,
            _ => MethodKind::ImplicitForward,
        })
    }
}

/// The `--method` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MethodKind {
    ImplicitForward,
    Implicit,
    Forward,
    Reverse,
    Fpad,
    OneStep,
    Grid,
    Random,
}

/// The `--optimizer` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OptimizerKind {
    Gd,
    Adam,
}

fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    match cli.command {
        Command::Select(a) => {
            let experiment = Experiment::load(&a.data)?;
            experiment.select(&a.data, a.optimizer, a.max_outer, a.compare)
        }
        Command::Grad(a) => {
            let experiment = Experiment::load(&a.data)?;
            let log_alpha = setup::log_alpha(&a.alpha, &a.log_alpha)?;
            experiment.grad(&a.data, &log_alpha)
        }
        Command::Solve(a) => {
            let experiment = Experiment::load(&a.data)?;
            let log_alpha = setup::log_alpha(&a.alpha, &a.log_alpha)?;
            experiment.solve(&a.data, &log_alpha)
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
