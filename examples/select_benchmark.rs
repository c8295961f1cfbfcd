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
//!   α_max/10 and α_max/100; 1e-3 is the range of the issue), largest α first with warm starts
//!   (`grid_search` on a `Bilevel`, which computes values only), inner tolerance 1e-8 (relative
//!   duality gap). Its best value is `h_grid`; its time is the whole grid.
//! - Each method: `GradientDescent` (adaptive step, at most 30 evaluations) from α_max/10 inside
//!   the grid's box, with the HOAG schedule `tol_k = max(1e-4·0.5ᵏ, 1e-8)`, the same for every
//!   method, so every run ends at the grid's tolerance. Jacobian tolerance 1e-8 (relative
//!   residual), as in the `hypergradient` bench. One extra row runs L-BFGS (implicit-forward).
//! - "Reached" is the first evaluation with `h ≤ h_grid·(1 + 1e-3)`; the time and inner
//!   iterations are counted up to and including it. Because early evaluations use a loose inner
//!   tolerance, the λ of that evaluation (or of the best one) is re-evaluated afterwards, untimed,
//!   at tolerance 1e-8 with the same method: the "check" column, and the warnings (inner or
//!   Jacobian iterations capped, degenerate support) that this evaluation raises.
//! - Before each run, one cold hypergradient at the start is timed ("1 hypergradient"); a method
//!   whose cold hypergradient takes more than `HYPERGRAD_SELECT_SKIP_SECONDS` (default 10 s) is
//!   skipped and reported with that time.
//!
//! - Timing: every run (grid, cold hypergradient, each optimizer) is repeated
//!   `HYPERGRAD_SELECT_REPEATS` times (default 5) from cold warm starts; the runs are
//!   deterministic (checked: same values at every evaluation), and each reported time is the
//!   median over the repeats, evaluation by evaluation.
//!
//! Run: `cargo run --release --example select_benchmark` (the problem). A smaller
//! problem for a quick look: `cargo run --release --example select_benchmark -- 1000 4000`
//! (n p; the same 0.5 % density, validation n/5 rows).

#[path = "../benches/common/mod.rs"]
mod common;

use hypergrad::bilevel::outer::{
    grid_search, Bilevel, GradientDescent, Lbfgs, LineSearch, ToleranceSchedule, Trajectory,
};
use hypergrad::bilevel::{
    hypergradient, BilevelError, Checkpoints, FpadMode, HeldOutMse, LinearSolver, Method, Options,
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

/// The grid's result, the baseline of every ratio.
struct Baseline {
    value: f64,
    seconds: f64,
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

/// Runs `f` `repeats` times (at least once) and returns the first trajectory with the median
/// time of every evaluation over the runs, and whether all runs evaluated the same values.
fn repeated<E>(
    repeats: usize,
    mut f: impl FnMut() -> Result<Trajectory, E>,
) -> Result<(Trajectory, bool), E> {
    let mut first = f()?;
    let mut runs = Vec::with_capacity(repeats.saturating_sub(1));
    for _ in 1..repeats {
        runs.push(f()?);
    }
    let values = |t: &Trajectory| t.steps.iter().map(|s| s.value).collect::<Vec<_>>();
    let deterministic = runs.iter().all(|r| values(r) == values(&first));
    if deterministic {
        for (k, step) in first.steps.iter_mut().enumerate() {
            let times = runs.iter().map(|r| r.steps[k].seconds);
            step.seconds = median(times.chain([step.seconds]).collect());
        }
    }
    Ok((first, deterministic))
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
    println!(
        "sparse {n} × {p} Lasso, validation {n_val} × {p}; α_max = {alpha_max:.6e}; grid of \
         {GRID_POINTS} α in [α_max·{GRID_RATIO:e}, α_max]; inner tolerance {INNER_TOL:e} \
         (grid; floor of the HOAG schedule 1e-4·0.5ᵏ of every method); Jacobian tolerance 1e-8\n"
    );

    let repeats = env_number("HYPERGRAD_SELECT_REPEATS", 5);
    let skip_seconds = env_number("HYPERGRAD_SELECT_SKIP_SECONDS", 10.0);
    let (grid, grid_deterministic) = repeated(repeats, || {
        let mut objective = Bilevel::new(&mut lasso, &criterion, Method::OneStep, options());
        grid_search(&mut objective, &[bounds], GRID_POINTS, INNER_TOL)
    })?;
    if !grid_deterministic {
        println!("warning: the grid's values differ between repeats; times of the first run");
    }
    let baseline = Baseline {
        value: grid.best().value,
        seconds: grid.steps.last().map_or(0.0, |s| s.seconds),
    };
    println!(
        "grid: best h = {:.6} at α = α_max·{:.4e}; {} evaluations, {} inner sweeps, {:.3} s; \
         target h ≤ {:.6}\n",
        baseline.value,
        grid.best().log_alpha[0].exp() / alpha_max,
        grid.steps.len(),
        grid.steps.last().map_or(0, |s| s.inner_iterations),
        baseline.seconds,
        baseline.value * (1.0 + REACH_MARGIN),
    );

    let rows: [(Method, Optimizer); 7] = [
        (Method::ImplicitForward, Optimizer::GradientDescent),
        (
            Method::Implicit {
                linear_solver: LinearSolver::Bicgstab,
            },
            Optimizer::GradientDescent,
        ),
        (Method::ForwardUnrolled, Optimizer::GradientDescent),
        (
            Method::Fpad {
                mode: FpadMode::Forward,
            },
            Optimizer::GradientDescent,
        ),
        (Method::OneStep, Optimizer::GradientDescent),
        (
            Method::ReverseUnrolled {
                truncate: None,
                checkpoints: Checkpoints::Uniform,
            },
            Optimizer::GradientDescent,
        ),
        (Method::ImplicitForward, Optimizer::Lbfgs),
    ];
    println!(
        "| method | optimizer | 1 hypergradient (cold) | reached at eval | time to reach | \
         inner sweeps to reach | evaluations | final h | final ‖∇h‖ | best h (α/α_max) | \
         h(reached λ) at tol 1e-8, cold | time / grid | stop, warnings |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let start = [(alpha_max / 10.0).ln()];
    for (method, optimizer) in rows {
        let label = format!("| {} | {} |", method.name(), optimizer.name());
        let mut cold = Vec::with_capacity(repeats);
        let mut probe = Ok(());
        for _ in 0..repeats {
            let clock = Instant::now();
            probe = hypergradient(&mut lasso, &criterion, &start, &method, &options()).map(drop);
            cold.push(clock.elapsed().as_secs_f64());
            if probe.is_err() || clock.elapsed().as_secs_f64() > skip_seconds {
                break;
            }
        }
        let cold = median(cold);
        if let Err(e) = probe {
            println!("{label} error: {e} |{}failed |", " |".repeat(10));
            continue;
        }
        if cold > skip_seconds {
            println!(
                "{label} {cold:.4} s | skipped |{}skipped: one hypergradient > {skip_seconds} s |",
                " |".repeat(9)
            );
            continue;
        }
        let run = repeated(repeats, || {
            let mut objective = Bilevel::new(&mut lasso, &criterion, method, options());
            run_optimizer(optimizer, &mut objective, &start, bounds)
        });
        match run {
            Err(e) => println!(
                "{label} {cold:.4} s | error: {e} |{}failed |",
                " |".repeat(9)
            ),
            Ok((run, deterministic)) => {
                let row = report(&run, &baseline, alpha_max);
                let lambda = &run.steps[row.reached.unwrap_or(run.best)].log_alpha;
                let check = hypergradient(&mut lasso, &criterion, lambda, &method, &options());
                let (check, warnings) = match check {
                    Ok(h) => (
                        format!("{:.6}", h.value),
                        format!("{:?}", h.diagnostics.warnings),
                    ),
                    Err(e) => ("error".into(), e.to_string()),
                };
                let note = if deterministic {
                    ""
                } else {
                    ", values differ between repeats (times of the first run)"
                };
                println!(
                    "{label} {cold:.4} s | {} | {} | {} | {} | {} | {} | {} | {check} | {} | \
                     {:?}, {warnings}{note} |",
                    row.reached_at,
                    row.time,
                    row.sweeps,
                    run.steps.len(),
                    row.last,
                    row.last_grad,
                    row.best,
                    row.ratio,
                    run.stop
                );
            }
        }
    }
    println!("\nwall time {:.1} s", wall.elapsed().as_secs_f64());
    Ok(())
}

fn run_optimizer(
    optimizer: Optimizer,
    objective: &mut Bilevel<'_, Lasso, HeldOutMse>,
    start: &[f64],
    bounds: (f64, f64),
) -> Result<Trajectory, BilevelError> {
    match optimizer {
        Optimizer::GradientDescent => GradientDescent {
            schedule: schedule(),
            bounds,
            ..GradientDescent::default()
        }
        .run(objective, start),
        Optimizer::Lbfgs => Lbfgs {
            line_search: LineSearch {
                max_steps: 30,
                schedule: schedule(),
                bounds,
                ..LineSearch::default()
            },
            ..Lbfgs::default()
        }
        .run(objective, start),
    }
}

/// The formatted cells of one row.
struct Row {
    reached: Option<usize>,
    reached_at: String,
    time: String,
    sweeps: String,
    last: String,
    last_grad: String,
    best: String,
    ratio: String,
}

/// Where the run first came within [`REACH_MARGIN`] of the grid's best value, and at what cost.
fn report(run: &Trajectory, baseline: &Baseline, alpha_max: f64) -> Row {
    let target = baseline.value * (1.0 + REACH_MARGIN);
    let reached = run.steps.iter().position(|s| s.value <= target);
    let best = run.best();
    let best = format!(
        "{:.6} ({:.4e})",
        best.value,
        best.log_alpha[0].exp() / alpha_max
    );
    let last = run.steps.last().expect("a run has at least one evaluation");
    let last_value = format!("{:.6}", last.value);
    let last_grad = format!("{:.3e}", last.grad_norm);
    match reached {
        Some(k) => {
            let step = &run.steps[k];
            Row {
                reached,
                reached_at: (k + 1).to_string(),
                time: format!("{:.4} s", step.seconds),
                sweeps: step.inner_iterations.to_string(),
                last: last_value,
                last_grad,
                best,
                ratio: format!("{:.3}", step.seconds / baseline.seconds),
            }
        }
        None => Row {
            reached,
            reached_at: "not reached".into(),
            time: format!("({:.4} s total)", last.seconds),
            sweeps: format!("({} total)", last.inner_iterations),
            last: last_value,
            last_grad,
            best,
            ratio: format!("({:.3} total)", last.seconds / baseline.seconds),
        },
    }
}
