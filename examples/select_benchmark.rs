//! Hyperparameter selection race (issue 8): time for each hypergradient method, driven by
//! gradient descent, to reach the optimum of a 30-point grid search of α, on the sparse Lasso of
//! the `lasso` bench.
//!
//! Problem: the sparse 5000 × 20000 design of `benches/lasso.rs` (25 Gaussian non-zeros per
//! column, 0.5 % density, seed 2025), `y = Xβ* + 0.1·ε` with β* of 20 non-zeros; the criterion
//! is the held-out MSE `‖y_val − X_val β̂(α)‖²/n_val` on a validation set drawn the same way from
//! the same β* (the one of `benches/hypergradient.rs`: 1000 × 20000, 5 per column, seed 8).
//!
//! - Grid: 30 log-spaced α from α_max down to α_max·1e-3 (the lasso bench itself only visits
//!   α_max/10 and α_max/100; 1e-3 is the range of the issue), largest α first, each inner solve
//!   warm-started from the previous one, inner tolerance 1e-8 (relative duality gap). Its best
//!   value is `h_grid`; its time is the whole grid. The baseline grid computes values only (inner
//!   solve + criterion); the same grid through `Bilevel` (`grid_search` on a `Bilevel`, whose
//!   `value` also computes a one-step derivative it then drops) is timed beside it.
//! - Each method: `GradientDescent` (adaptive step, at most 30 evaluations) from α_max/10 inside
//!   the grid's box, with the HOAG schedule `tol_k = max(1e-4·0.5ᵏ, 1e-8)`, the same for every
//!   method, so every run ends at the grid's tolerance. Jacobian tolerance 1e-8 (relative
//!   residual), as in the `hypergradient` bench. One extra row runs L-BFGS (implicit-forward,
//!   at most 30 evaluations, trials included).
//! - "Reached" is the first evaluation with `h ≤ h_grid·(1 + 1e-3)`; the time and inner sweeps
//!   are counted up to and including it. Because early evaluations use a loose inner tolerance,
//!   the λ of that evaluation (or of the best one) is re-evaluated afterwards, untimed, from a
//!   cold start at tolerance 1e-8 with the same method: the "check" column, and the warnings
//!   (inner or Jacobian iterations capped, degenerate support) that this evaluation raises.
//! - One cold hypergradient at the start is timed first ("1 hypergradient"); a method whose cold
//!   hypergradient takes more than `HYPERGRAD_SELECT_SKIP_SECONDS` (default 10 s) is skipped
//!   and reported with that time.
//! - Timing: `HYPERGRAD_SELECT_REPEATS` rounds (default 9); each round runs both grids and every
//!   method once from cold warm starts, so that a method and the grid it is compared with run
//!   under the same machine load. The runs are deterministic (checked: same values at every
//!   evaluation in every round). Reported times are medians over the rounds; "time / grid" is
//!   the median over the rounds of the ratio within a round.
//!
//! Run: `cargo run --release --example select_benchmark` (the problem). A smaller
//! problem for a quick look: `cargo run --release --example select_benchmark -- 1000 4000`
//! (n p; the same 0.5 % density, validation n/5 rows).

#[path = "../benches/common/mod.rs"]
mod common;

use hypergrad::bilevel::outer::{
    grid_search, Bilevel, GradientDescent, HyperEval, HyperObjective, Lbfgs, LineSearch,
    ToleranceSchedule, Trajectory,
};
use hypergrad::bilevel::{
    hypergradient, BilevelError, Checkpoints, Criterion, FpadMode, HeldOutMse, InnerProblem,
    LinearSolver, Method, Options,
};
use hypergrad::optim::Lasso;
use std::time::Instant;

/// Grid points (the 30).
const GRID_POINTS: usize = 30;
/// The grid spans [α_max·GRID_RATIO, α_max].
const GRID_RATIO: f64 = 1e-3;
/// The grid's inner tolerance, and the floor of every method's schedule.
const INNER_TOL: f64 = 1e-8;
/// "Reached" means within this relative margin of the grid's best value.
const REACH_MARGIN: f64 = 1e-3;

/// The outer optimizer of a row.
#[derive(Clone, Copy)]
enum Optimizer {
    GradientDescent,
    Lbfgs,
}

impl Optimizer {
    fn name(self) -> &'static str {
        match self {
            Optimizer::GradientDescent => "gradient descent",
            Optimizer::Lbfgs => "L-BFGS",
        }
    }
}

/// The HOAG schedule of every run: 1e-4 halved per outer step, floored at the grid's tolerance.
fn schedule() -> ToleranceSchedule {
    ToleranceSchedule {
        minimum: INNER_TOL,
        ..ToleranceSchedule::default()
    }
}

fn options() -> Options {
    Options {
        inner_tol: INNER_TOL,
        jacobian_tol: 1e-8,
        ..Options::default()
    }
}

/// `h(λ) = C(x*(λ))` by the inner solve alone, warm-started from the previous solution: the
/// cheapest possible grid evaluation. (`Bilevel::value` also computes a one-step derivative at
/// the same solution, which a grid does not need; both grids are timed.)
struct ValuesOnly<'a> {
    lasso: &'a mut Lasso,
    criterion: &'a HeldOutMse,
    warm: Option<Vec<f64>>,
}

impl HyperObjective for ValuesOnly<'_> {
    fn dim(&self) -> usize {
        1
    }
    /// The value only: `grad` is left empty (zero-order use).
    fn evaluate(&mut self, log_alpha: &[f64], inner_tol: f64) -> Result<HyperEval, BilevelError> {
        let max_iter = options().inner_max_iter;
        let solution = self
            .lasso
            .solve(log_alpha, self.warm.as_deref(), inner_tol, max_iter)?;
        let value = self.criterion.value(&solution.x, log_alpha);
        self.warm = Some(solution.x);
        Ok(HyperEval {
            value,
            grad: Vec::new(),
            inner_iterations: solution.report.iterations,
        })
    }
}

/// Problem size from the command line (`n p`), by default the 5000 × 20000.
fn size() -> Result<(usize, usize), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => Ok((5000, 20000)),
        [n, p] => {
            let parse = |s: &String| s.parse::<usize>().map_err(|e| format!("{s}: {e}"));
            let (n, p) = (parse(n)?, parse(p)?);
            if n < 200 || p < 20 {
                return Err(format!("need n ≥ 200 and p ≥ 20, got {n} × {p}"));
            }
            Ok((n, p))
        }
        _ => Err("usage: select_benchmark [n p]".into()),
    }
}

/// A positive number from the environment variable `name`, or `default`.
fn env_number<T: std::str::FromStr + PartialOrd + Default>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|v| *v > T::default())
        .unwrap_or(default)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// One line of the race: a grid or an optimizer driven by a hypergradient method.
#[derive(Clone, Copy)]
enum Contender {
    /// The grid by inner solves alone (the baseline).
    ValuesGrid,
    /// The same grid through `Bilevel::value` (one-step).
    BilevelGrid,
    /// An outer optimizer on the hypergradients of a method.
    Descent(Method, Optimizer),
}

impl Contender {
    /// One run from cold warm starts.
    fn run(
        self,
        lasso: &mut Lasso,
        criterion: &HeldOutMse,
        bounds: (f64, f64),
        start: &[f64],
    ) -> Result<Trajectory, BilevelError> {
        match self {
            Contender::ValuesGrid => {
                let mut objective = ValuesOnly {
                    lasso,
                    criterion,
                    warm: None,
                };
                grid_search(&mut objective, &[bounds], GRID_POINTS, INNER_TOL)
            }
            Contender::BilevelGrid => {
                let mut objective = Bilevel::new(lasso, criterion, Method::OneStep, options());
                grid_search(&mut objective, &[bounds], GRID_POINTS, INNER_TOL)
            }
            Contender::Descent(method, optimizer) => {
                let mut objective = Bilevel::new(lasso, criterion, method, options());
                match optimizer {
                    Optimizer::GradientDescent => GradientDescent {
                        schedule: schedule(),
                        bounds,
                        ..GradientDescent::default()
                    }
                    .run(&mut objective, start),
                    Optimizer::Lbfgs => Lbfgs {
                        line_search: LineSearch {
                            max_steps: 30,
                            schedule: schedule(),
                            bounds,
                            ..LineSearch::default()
                        },
                        ..Lbfgs::default()
                    }
                    .run(&mut objective, start),
                }
            }
        }
    }
}

/// The runs of one contender over the rounds (all rounds, or the error that stopped it).
type Runs = Result<Vec<Trajectory>, BilevelError>;

/// Seconds at evaluation `k` in each round that has it.
fn seconds_at(runs: &[Trajectory], k: usize) -> Vec<f64> {
    runs.iter()
        .filter_map(|r| r.steps.get(k).map(|s| s.seconds))
        .collect()
}

/// Whether every round evaluated the same values as the first.
fn deterministic(runs: &[Trajectory]) -> bool {
    let values = |t: &Trajectory| t.steps.iter().map(|s| s.value).collect::<Vec<_>>();
    runs.iter().all(|r| values(r) == values(&runs[0]))
}

/// The total seconds of each round of a grid.
fn totals(runs: &[Trajectory]) -> Vec<f64> {
    runs.iter()
        .map(|r| r.steps.last().map_or(0.0, |s| s.seconds))
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let wall = Instant::now();
    let (n, p) = size()?;
    // 0.5 % density as in the lasso bench (25 per column at n = 5000).
    let (design, y) = common::sparse_problem(n, p, (n / 200).max(1), 2025);
    let n_val = n / 5;
    let (design_val, y_val) = common::sparse_problem(n_val, p, (n_val / 200).max(1), 8);
    let mut lasso = Lasso::new(design, y.view(), 1.0)?;
    let criterion = HeldOutMse::new(design_val, y_val.view())?;
    let alpha_max = lasso.alpha_max();
    let bounds = ((alpha_max * GRID_RATIO).ln(), alpha_max.ln());
    let start = [(alpha_max / 10.0).ln()];
    let repeats = env_number("HYPERGRAD_SELECT_REPEATS", 9);
    let skip_seconds = env_number("HYPERGRAD_SELECT_SKIP_SECONDS", 10.0);
    println!(
        "sparse {n} × {p} Lasso, validation {n_val} × {p}; α_max = {alpha_max:.6e}; grid of \
         {GRID_POINTS} α in [α_max·{GRID_RATIO:e}, α_max]; inner tolerance {INNER_TOL:e} \
         (grid; floor of the HOAG schedule 1e-4·0.5ᵏ of every method); Jacobian tolerance 1e-8; \
         start α_max/10; {repeats} rounds\n"
    );

    let methods = [
        Method::ImplicitForward,
        Method::Implicit {
            linear_solver: LinearSolver::Bicgstab,
        },
        Method::ForwardUnrolled,
        Method::Fpad {
            mode: FpadMode::Forward,
        },
        Method::OneStep,
        Method::ReverseUnrolled {
            truncate: None,
            checkpoints: Checkpoints::Uniform,
        },
    ];
    let mut contenders = vec![Contender::ValuesGrid, Contender::BilevelGrid];
    let mut cold = Vec::new();
    let descents = methods
        .iter()
        .map(|&m| (m, Optimizer::GradientDescent))
        .chain([(Method::ImplicitForward, Optimizer::Lbfgs)]);
    for (method, optimizer) in descents {
        let seconds = cold_hypergradient(&mut lasso, &criterion, &start, method, repeats);
        if matches!(seconds, Ok(s) if s <= skip_seconds) {
            contenders.push(Contender::Descent(method, optimizer));
        }
        cold.push(((method, optimizer), seconds));
    }

    let mut runs: Vec<Runs> = contenders.iter().map(|_| Ok(Vec::new())).collect();
    for _ in 0..repeats {
        for (contender, runs) in contenders.iter().zip(&mut runs) {
            if let Ok(done) = runs {
                match contender.run(&mut lasso, &criterion, bounds, &start) {
                    Ok(trajectory) => done.push(trajectory),
                    Err(e) => *runs = Err(e),
                }
            }
        }
    }
    let mut runs = runs.into_iter();
    let (grid, bilevel_grid) = (runs.next().unwrap()?, runs.next().unwrap()?);
    let grid_best = grid[0].best();
    let grid_seconds = totals(&grid);
    let bilevel_seconds = median(totals(&bilevel_grid));
    let same = grid[0]
        .steps
        .iter()
        .zip(&bilevel_grid[0].steps)
        .all(|(a, b)| a.value == b.value);
    let target = grid_best.value * (1.0 + REACH_MARGIN);
    println!(
        "grid (values only): best h = {:.6} at α = α_max·{:.4e}; {} evaluations, {} inner \
         sweeps, {:.4} s; target h ≤ {target:.6}{}",
        grid_best.value,
        grid_best.log_alpha[0].exp() / alpha_max,
        grid[0].steps.len(),
        grid[0].steps.last().map_or(0, |s| s.inner_iterations),
        median(grid_seconds.clone()),
        if deterministic(&grid) && deterministic(&bilevel_grid) {
            ""
        } else {
            " (WARNING: grid values differ between rounds)"
        },
    );
    println!(
        "grid through `Bilevel` (one-step derivative computed and dropped): {bilevel_seconds:.4} \
         s ({:.2}× the values-only grid), {}\n",
        bilevel_seconds / median(grid_seconds.clone()),
        if same {
            "same values"
        } else {
            "VALUES DIFFER from the values-only grid"
        }
    );

    println!(
        "| method | optimizer | 1 hypergradient (cold) | reached at eval | time to reach | \
         inner sweeps to reach | evaluations | final h | final ‖∇h‖ | best h (α/α_max) | \
         h(reached λ) at tol 1e-8, cold | time / grid | stop, warnings |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let context = Context {
        target,
        grid_seconds: &grid_seconds,
        alpha_max,
    };
    for ((method, optimizer), seconds) in cold {
        let label = format!("| {} | {} |", method.name(), optimizer.name());
        match seconds {
            Err(e) => println!("{label} error: {e} |{}failed |", " |".repeat(10)),
            Ok(s) if s > skip_seconds => println!(
                "{label} {s:.4} s | skipped |{}skipped: one hypergradient > {skip_seconds} s |",
                " |".repeat(9)
            ),
            Ok(s) => match runs.next().expect("one run list per contender") {
                Err(e) => println!("{label} {s:.4} s | error: {e} |{}failed |", " |".repeat(9)),
                Ok(runs) => {
                    let cells = row(&runs, &context, &mut lasso, &criterion, method);
                    println!("{label} {s:.4} s | {cells} |");
                }
            },
        }
    }
    println!("\nwall time {:.1} s", wall.elapsed().as_secs_f64());
    Ok(())
}

/// The median time of a cold hypergradient at `start` over `repeats` calls (fewer if a call is
/// slow), or the error the first call raised.
fn cold_hypergradient(
    lasso: &mut Lasso,
    criterion: &HeldOutMse,
    start: &[f64],
    method: Method,
    repeats: usize,
) -> Result<f64, BilevelError> {
    let mut seconds = Vec::with_capacity(repeats);
    for _ in 0..repeats {
        let clock = Instant::now();
        hypergradient(lasso, criterion, start, &method, &options())?;
        seconds.push(clock.elapsed().as_secs_f64());
        if seconds.iter().sum::<f64>() > 1.0 {
            break;
        }
    }
    Ok(median(seconds))
}

/// What every row is measured against.
struct Context<'a> {
    target: f64,
    grid_seconds: &'a [f64],
    alpha_max: f64,
}

/// The cells after "1 hypergradient" of one optimizer's row.
fn row(
    runs: &[Trajectory],
    context: &Context<'_>,
    lasso: &mut Lasso,
    criterion: &HeldOutMse,
    method: Method,
) -> String {
    let run = &runs[0];
    let last = run.steps.last().expect("a run has at least one evaluation");
    let reached = run.steps.iter().position(|s| s.value <= context.target);
    let k = reached.unwrap_or(run.steps.len() - 1);
    let ratios = seconds_at(runs, k)
        .iter()
        .zip(context.grid_seconds)
        .map(|(s, g)| s / g)
        .collect();
    let (seconds, ratio) = (median(seconds_at(runs, k)), median(ratios));
    let (at, time, sweeps, ratio) = match reached {
        Some(k) => (
            (k + 1).to_string(),
            format!("{seconds:.4} s"),
            run.steps[k].inner_iterations.to_string(),
            format!("{ratio:.3}"),
        ),
        None => (
            "not reached".into(),
            format!("({seconds:.4} s total)"),
            format!("({} total)", last.inner_iterations),
            format!("({ratio:.3} total)"),
        ),
    };
    let best = run.best();
    let lambda = &run.steps[reached.unwrap_or(run.best)].log_alpha;
    let (check, warnings) = match hypergradient(lasso, criterion, lambda, &method, &options()) {
        Ok(h) => (
            format!("{:.6}", h.value),
            format!("{:?}", h.diagnostics.warnings),
        ),
        Err(e) => ("error".into(), e.to_string()),
    };
    let note = if deterministic(runs) {
        ""
    } else {
        ", WARNING: values differ between rounds"
    };
    format!(
        "{at} | {time} | {sweeps} | {} | {:.6} | {:.3e} | {:.6} ({:.4e}) | {check} | {ratio} | \
         {:?}, {warnings}{note}",
        run.steps.len(),
        last.value,
        last.grad_norm,
        best.value,
        best.log_alpha[0].exp() / context.alpha_max,
        run.stop
    )
}
