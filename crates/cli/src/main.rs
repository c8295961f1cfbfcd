//! The `hypergrad` command line: choose the regularization of a model on a data set by
//! hypergradient descent (`select`), compute one hypergradient (`grad`) or one inner solution
//! (`solve`). Conventions: scikit-learn / sparse-ho scaling, features standardized with the
//! training statistics, no intercept unless `--fit-intercept` (which centers the targets),
//! hyperparameters in log scale.

mod criterion;
mod model;
mod plot;
mod point;
mod progress;
mod report;
mod select;
mod setup;

use clap::{Args, Parser, Subcommand, ValueEnum};
use criterion::CriterionKind;
use setup::{Experiment, FormatKind, ModelKind};
use std::io::Write;
use std::path::PathBuf;
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
    /// A validation file (its columns matched to the data's by index); otherwise a seeded
    /// third of the data.
    #[arg(long)]
    pub val: Option<String>,
    /// The format of `--data` and `--val`. Default: detected from the content (a comma on the
    /// first data line: CSV; otherwise LIBSVM), whatever the file name.
    #[arg(long, value_enum)]
    pub format: Option<FormatKind>,
    /// The inner model.
    #[arg(long, value_enum, default_value = "lasso")]
    pub model: ModelKind,
    /// The hypergradient method (`grid` / `random` are zero-order baselines for `select`).
    /// Default: implicit-forward; implicit for ridge (which has no support) and for logreg
    /// (where BiCGSTAB on the support beats the slowly contracting coordinate sweep).
    #[arg(long, value_enum)]
    pub method: Option<MethodKind>,
    /// Inner solver tolerance (relative duality gap for coordinate descent).
    #[arg(long, default_value_t = 1e-8)]
    pub tol: f64,
    /// Seed of the train / validation split, the folds, random search and the Monte-Carlo
    /// direction of fdmc-sure.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Fit an unpenalized intercept (regression models on dense data: the targets are centered
    /// by their training mean). Without it the model has no intercept, as in sparse-ho.
    #[arg(long)]
    pub fit_intercept: bool,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// `hypergrad select`.
#[derive(Args)]
pub struct SelectArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// What to minimize: `heldout` (validation loss), `cv:K` (K-fold cross-validation),
    /// `sure:σ` (Stein's unbiased risk estimate, df = |S|: lasso and wlasso), `mc-sure:σ`
    /// (Monte-Carlo SURE, exact Jacobian in y: least-squares models) or `fdmc-sure:σ`
    /// (finite-difference Monte-Carlo SURE, differentiated by SUGAR), σ the noise level.
    #[arg(long, default_value = "heldout")]
    pub criterion: CriterionKind,
    /// The outer optimizer (for gradient methods).
    #[arg(long, value_enum, default_value = "gd")]
    pub optimizer: OptimizerKind,
    /// Outer steps (or grid / random points).
    #[arg(long, default_value_t = 30)]
    pub max_outer: usize,
    /// Also run a 30-point grid search (random search beyond two hyperparameters) and compare.
    #[arg(long)]
    pub compare: bool,
    /// Write an SVG: the criterion against α with the outer trajectory on it (the grid as the
    /// curve), and the best criterion so far against time.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
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
    /// The method asked for, or the default: `auto`, which chooses for the problem and says
    /// what it chose.
    pub fn method(&self) -> MethodKind {
        self.method.unwrap_or(MethodKind::Auto)
    }
}

impl SelectArgs {
    /// The method asked for, or the default: grid search for `sure:σ`, and for `mc-sure:σ`
    /// with an ℓ1 model (their df jumps with the support, which a hypergradient cannot see),
    /// otherwise the model's default.
    pub fn method(&self) -> MethodKind {
        match (self.data.method, self.criterion, self.data.model) {
            (None, CriterionKind::Sure { .. }, _) => MethodKind::Grid,
            (None, CriterionKind::McSure { .. }, model) if model != ModelKind::Ridge => {
                MethodKind::Grid
            }
            _ => self.data.method(),
        }
    }
}

/// The `--method` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MethodKind {
    Auto,
    ImplicitForward,
    Implicit,
    Forward,
    Reverse,
    Fpad,
    OneStep,
    JacobianFree,
    Grid,
    Random,
}

/// The `--optimizer` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OptimizerKind {
    /// Gradient descent, adaptive step 1/‖∇h‖ divided by 10 when h increases.
    Gd,
    /// Gradient descent with a backtracking (Armijo) line search.
    LineSearch,
    /// Adam.
    Adam,
    /// L-BFGS with bounds on log α.
    Lbfgs,
}

/// Runs the command, writing its report to `out`.
fn run(cli: Cli, out: &mut dyn Write) -> Result<(), Box<dyn std::error::Error>> {
    match cli.command {
        Command::Select(a) => select::select(&Experiment::load(&a.data)?, &a, out),
        Command::Grad(a) => {
            let experiment = Experiment::load(&a.data)?;
            point::grad(
                &experiment,
                &a.data,
                &setup::log_alpha(&a.alpha, &a.log_alpha)?,
                out,
            )
        }
        Command::Solve(a) => {
            let experiment = Experiment::load(&a.data)?;
            point::solve(
                &experiment,
                &a.data,
                &setup::log_alpha(&a.alpha, &a.log_alpha)?,
                out,
            )
        }
    }
}

/// Whether `e` is a write to a closed pipe (`hypergrad select | head -1`): the reader has what
/// it wanted, so the command ends quietly.
fn is_broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    e.downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
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
    let mut stdout = std::io::stdout().lock();
    match run(cli, &mut stdout).and_then(|()| Ok(stdout.flush()?)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(e.as_ref()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
