//! The `hypergrad` command line: choose the regularization of a model on a data set by
//! hypergradient descent (`select`), compute one hypergradient (`grad`) or one inner solution
//! (`solve`). Conventions: scikit-learn's by default (an unpenalized intercept, features as
//! given), sparse-ho's with `--no-intercept`; `--standardize` scales the features (coefficients
//! reported on the original scale); hyperparameters in log scale.

mod criterion;
mod labels;
mod model;
mod multitask;
mod notes;
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
    Grad(GradArgs),
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
    /// A validation file (its columns matched to the data's by index). Without it `select`
    /// holds out a seeded third of `--data`, and `solve` / `grad` fit on every row.
    #[arg(long)]
    pub val: Option<String>,
    /// Hold out this fraction of the rows of `--data` (seeded) for validation, in every command.
    #[arg(long, value_name = "FRACTION", conflicts_with = "val")]
    pub split: Option<f64>,
    /// The format of `--data` and `--val`. Default: detected from the content (a comma on the
    /// first data line: CSV; otherwise LIBSVM), whatever the file name.
    #[arg(long, value_enum)]
    pub format: Option<FormatKind>,
    /// The inner model.
    #[arg(long, value_enum, default_value = "lasso")]
    pub model: ModelKind,
    /// With --model enet: one hyperparameter α and this fixed mixing ratio R in (0, 1],
    /// scikit-learn's ElasticNet(alpha, l1_ratio): 1/(2n)‖y − Xβ‖² + αR‖β‖₁ + α(1 − R)/2‖β‖².
    /// Without it enet has two hyperparameters α₁, α₂.
    #[arg(long, value_name = "R")]
    pub l1_ratio: Option<f64>,
    /// With --model group-lasso: a file of one group label per feature (the columns of a CSV
    /// before the target, the indices 1, 2, … of a LIBSVM file), e.g. 0, 0, 1, 2, 2; the
    /// features that share a label form one group.
    #[arg(long, value_name = "FILE")]
    pub groups: Option<String>,
    /// With --model multitask-lasso: the last K columns of the CSV file are K targets (tasks)
    /// sharing the features before them; the held-out criterion is the mean squared error over
    /// all tasks and rows.
    #[arg(long, value_name = "K")]
    pub targets: Option<usize>,
    /// Inner solver tolerance (relative duality gap for coordinate descent).
    #[arg(long, default_value_t = 1e-8)]
    pub tol: f64,
    /// Seed of the train / validation split, the folds, random search and the Monte-Carlo
    /// direction of fdmc-sure.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Fit no intercept (sparse-ho's convention). By default an unpenalized intercept is
    /// fitted, as scikit-learn does: features are centered by their training means (a sparse
    /// design implicitly, keeping its sparsity), and the targets too (least squares) or the
    /// intercept is a coefficient of the model (logreg).
    #[arg(long)]
    pub no_intercept: bool,
    /// Scale each feature by its training standard deviation (root mean square with
    /// `--no-intercept`) before fitting; coefficients are reported on the original scale.
    #[arg(long)]
    pub standardize: bool,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// `hypergrad select`.
#[derive(Args)]
pub struct SelectArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// What to minimize: `heldout` (validation loss), `cv:K` (K-fold cross-validation, folds
    /// drawn with --seed), `cv` (cross-validation on the folds of --folds),
    /// `sure:σ` (Stein's unbiased risk estimate, df = |S|: lasso and wlasso), `mc-sure:σ`
    /// (Monte-Carlo SURE, exact Jacobian in y: least-squares models) or `fdmc-sure:σ`
    /// (finite-difference Monte-Carlo SURE, differentiated by SUGAR), σ the noise level.
    #[arg(long, default_value = "heldout")]
    pub criterion: CriterionKind,
    /// The folds of `--criterion cv`: a file of one label per row of --data (e.g. 0, 1, 2, or
    /// any text without blanks or commas); the rows that share a label form one fold. At least
    /// 2 distinct labels.
    #[arg(long, value_name = "FILE")]
    pub folds: Option<String>,
    /// The outer optimizer (for gradient methods).
    #[arg(long, value_enum, default_value = "gd")]
    pub optimizer: OptimizerKind,
    /// Outer steps (or grid / random points).
    #[arg(long, default_value_t = 30)]
    pub max_outer: usize,
    /// The hypergradient method, or a zero-order baseline (`grid`, `random`). Default: auto,
    /// which chooses for the problem and says what it chose (grid for `sure:σ`, and for
    /// `mc-sure:σ` with an ℓ1 model).
    #[arg(long, value_enum)]
    pub method: Option<MethodKind>,
    /// Also run a 30-point grid search (random search beyond two hyperparameters) and compare.
    #[arg(long)]
    pub compare: bool,
    /// The starting hyperparameters α (comma-separated; default α_max/10 for each). For ridge,
    /// p values select one penalty per feature.
    #[arg(
        long,
        value_delimiter = ',',
        allow_hyphen_values = true,
        conflicts_with = "log_alpha"
    )]
    pub alpha: Vec<f64>,
    /// The starting hyperparameters as log α (comma-separated).
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub log_alpha: Vec<f64>,
    /// Write an SVG: the criterion against α with the outer trajectory on it (the grid as the
    /// curve), and the best criterion so far against time.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
}

/// `hypergrad grad`.
#[derive(Args)]
struct GradArgs {
    #[command(flatten)]
    point: PointArgs,
    /// The hypergradient method. Default: auto, which chooses for the problem and says what
    /// it chose.
    #[arg(long, value_parser = gradient_methods())]
    method: Option<MethodKind>,
}

/// The `--method` values that compute a hypergradient (not the zero-order baselines).
fn gradient_methods() -> impl clap::builder::TypedValueParser<Value = MethodKind> {
    let names: Vec<clap::builder::PossibleValue> = MethodKind::value_variants()
        .iter()
        .filter(|m| !matches!(m, MethodKind::Grid | MethodKind::Random))
        .filter_map(|m| m.to_possible_value())
        .collect();
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(names)
        .map(|name| MethodKind::from_str(&name, false).expect("a listed method name"))
}

/// `hypergrad solve`, and the point of `grad`.
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

impl SelectArgs {
    /// The method asked for, or the default: grid search for `sure:σ`, and for `mc-sure:σ`
    /// with an ℓ1 model (their df jumps with the support, which a hypergradient cannot see),
    /// otherwise the model's default.
    pub fn method(&self) -> MethodKind {
        match (self.method, self.criterion, self.data.model) {
            (None, CriterionKind::Sure { .. }, _) => MethodKind::Grid,
            (None, CriterionKind::McSure { .. }, model) if model != ModelKind::Ridge => {
                MethodKind::Grid
            }
            (method, _, _) => method.unwrap_or(MethodKind::Auto),
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
    /// HOAG (Pedregosa 2016): a step from a Lipschitz estimate, accepted with a noise slack,
    /// the inner tolerance tightened on rejection.
    Hoag,
}

/// Runs the command, writing its report to `out`.
fn run(cli: Cli, out: &mut dyn Write) -> Result<(), Box<dyn std::error::Error>> {
    match cli.command {
        Command::Select(a) => {
            let start = setup::log_alpha(&a.alpha, &a.log_alpha)?;
            let count = (!start.is_empty()).then_some(start.len());
            select::select(&Experiment::load(&a.data)?.with_dim(count)?, &a, out)
        }
        Command::Grad(GradArgs { point: a, method }) => {
            let log_alpha = setup::log_alpha(&a.alpha, &a.log_alpha)?;
            let experiment = Experiment::load(&a.data)?.with_dim(Some(log_alpha.len()))?;
            let method = method.unwrap_or(MethodKind::Auto);
            point::grad(&experiment, &a.data, method, &log_alpha, out)
        }
        Command::Solve(a) => {
            let log_alpha = setup::log_alpha(&a.alpha, &a.log_alpha)?;
            let experiment = Experiment::load(&a.data)?.with_dim(Some(log_alpha.len()))?;
            point::solve(&experiment, &a.data, &log_alpha, out)
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
