//! The race: its rules (tolerances, schedule, grid), the contenders (two grids and the outer
//! optimizers on each hypergradient method) and their timing over interleaved rounds.

use hypergrad::bilevel::outer::{
    grid_search, Bilevel, GradientDescent, Hoag, HyperEval, HyperObjective, Lbfgs, LineSearch,
    ToleranceSchedule, Trajectory,
};
use hypergrad::bilevel::{hypergradient, BilevelError, Criterion, HeldOutMse, Method, Options};
use hypergrad::optim::{FixedPointMap, Lasso, SolverParams};
use std::time::Instant;

/// Grid points (the 30).
pub const GRID_POINTS: usize = 30;
/// The grid spans [α_max·GRID_RATIO, α_max].
pub const GRID_RATIO: f64 = 1e-3;
/// The grid's inner tolerance, and the floor of every method's schedule.
pub const INNER_TOL: f64 = 1e-8;
/// "Reached" means within this relative margin of the grid's best value.
pub const REACH_MARGIN: f64 = 1e-3;

/// The HOAG schedule of every run: 1e-4 halved per outer step, floored at the grid's tolerance.
fn schedule() -> ToleranceSchedule {
    ToleranceSchedule {
        minimum: INNER_TOL,
        ..ToleranceSchedule::default()
    }
}

/// Hypergradient options of every run: the grid's inner tolerance (overridden per outer step
/// by the schedule), Jacobian iterations to a relative residual of 1e-8.
pub fn options() -> Options {
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
    lasso: &'a Lasso,
    criterion: &'a HeldOutMse,
    warm: Option<Vec<f64>>,
}

impl HyperObjective for ValuesOnly<'_> {
    fn dim(&self) -> usize {
        1
    }
    /// The value only: `grad` is left empty (zero-order use).
    fn evaluate(&mut self, log_alpha: &[f64], inner_tol: f64) -> Result<HyperEval, BilevelError> {
        let params = SolverParams {
            max_iter: options().inner_max_iter,
            tol: inner_tol,
            record_history: false,
        };
        let solution = self.lasso.solve(log_alpha, self.warm.as_deref(), &params)?;
        let value = self.criterion.value(&solution.x, log_alpha);
        self.warm = Some(solution.x);
        Ok(HyperEval {
            value,
            grad: Vec::new(),
            inner_iterations: solution.report.iterations,
            ..HyperEval::default()
        })
    }
}

/// The median (upper median for an even count) of a non-empty list.
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// One line of the race: a grid or an optimizer driven by a hypergradient method.
#[derive(Clone, Copy)]
pub enum Contender {
    /// The grid by inner solves alone (the baseline).
    ValuesGrid,
    /// The same grid through `Bilevel::value` (one-step).
    BilevelGrid,
    /// Gradient descent on the hypergradients of a method.
    GradientDescent(Method),
    /// L-BFGS on the hypergradients of a method.
    Lbfgs(Method),
    /// HOAG on the hypergradients of a method.
    Hoag(Method),
}

impl Contender {
    /// One run from cold warm starts.
    pub fn run(
        self,
        lasso: &Lasso,
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
            Contender::GradientDescent(method) => GradientDescent {
                schedule: schedule(),
                bounds,
                ..GradientDescent::default()
            }
            .run(
                &mut Bilevel::new(lasso, criterion, method, options()),
                start,
            ),
            Contender::Lbfgs(method) => Lbfgs {
                line_search: LineSearch {
                    max_steps: 30,
                    schedule: schedule(),
                    bounds,
                    ..LineSearch::default()
                },
                ..Lbfgs::default()
            }
            .run(
                &mut Bilevel::new(lasso, criterion, method, options()),
                start,
            ),
            Contender::Hoag(method) => Hoag {
                max_steps: 30,
                schedule: schedule(),
                bounds,
                ..Hoag::default()
            }
            .run(
                &mut Bilevel::new(lasso, criterion, method, options()),
                start,
            ),
        }
    }

    /// The method and optimizer cells of the table.
    pub fn label(self) -> String {
        match self {
            Contender::GradientDescent(m) => format!("| {} | gradient descent |", m.name()),
            Contender::Lbfgs(m) => format!("| {} | L-BFGS |", m.name()),
            Contender::Hoag(m) => format!("| {} | HOAG |", m.name()),
            Contender::ValuesGrid => "| none | grid (values only) |".into(),
            Contender::BilevelGrid => "| one-step (value only) | grid |".into(),
        }
    }

    /// The hypergradient method (for the grids, one-step: what `Bilevel::value` runs).
    pub fn method(self) -> Method {
        match self {
            Contender::GradientDescent(m) | Contender::Lbfgs(m) | Contender::Hoag(m) => m,
            _ => Method::OneStep,
        }
    }
}

/// The runs of one contender over the rounds (all rounds, or the error that stopped it).
pub type Runs = Result<Vec<Trajectory>, BilevelError>;

/// Seconds at evaluation `k` in each round that has it.
pub fn seconds_at(runs: &[Trajectory], k: usize) -> Vec<f64> {
    runs.iter()
        .filter_map(|r| r.steps.get(k).map(|s| s.seconds))
        .collect()
}

/// Whether every round evaluated the same values as the first.
pub fn deterministic(runs: &[Trajectory]) -> bool {
    let values = |t: &Trajectory| t.steps.iter().map(|s| s.value).collect::<Vec<_>>();
    runs.iter().all(|r| values(r) == values(&runs[0]))
}

/// The total seconds of each round of a grid.
pub fn totals(runs: &[Trajectory]) -> Vec<f64> {
    runs.iter()
        .map(|r| r.steps.last().map_or(0.0, |s| s.seconds))
        .collect()
}

/// `repeats` rounds, each running every contender once from cold warm starts (so that the
/// methods and the grid they are compared with run under the same machine load).
pub fn rounds(
    contenders: &[Contender],
    repeats: usize,
    lasso: &Lasso,
    criterion: &HeldOutMse,
    bounds: (f64, f64),
    start: &[f64],
) -> Vec<Runs> {
    let mut runs: Vec<Runs> = contenders.iter().map(|_| Ok(Vec::new())).collect();
    for _ in 0..repeats {
        for (contender, runs) in contenders.iter().zip(&mut runs) {
            if let Ok(done) = runs {
                match contender.run(lasso, criterion, bounds, start) {
                    Ok(trajectory) => done.push(trajectory),
                    Err(e) => *runs = Err(e),
                }
            }
        }
    }
    runs
}

/// The median time of a cold hypergradient at `start` over `repeats` calls (fewer if a call is
/// slow), or the error the first call raised.
pub fn cold_hypergradient(
    lasso: &Lasso,
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
