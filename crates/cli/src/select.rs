//! `hypergrad select`: the objective of the chosen criterion, the outer optimizer, the
//! baseline search for comparison, then the report and the plot.

use crate::criterion::CriterionKind;
use crate::model::{with_least_squares_model, with_model};
use crate::plot::Figure;
use crate::point::options;
use crate::progress::Progress;
use crate::report::Fit;
use crate::setup::{Error, Experiment, Folds, ModelKind, Prepared};
use crate::{labels, report, MethodKind, OptimizerKind, SelectArgs};
use hypergrad::bilevel::outer::{
    grid_search, random_search, Adam, Bilevel, CrossValidation, GradientDescent, Hoag,
    HyperObjective, Lbfgs, LineSearch, ToleranceSchedule, Trajectory,
};
use hypergrad::bilevel::{
    Checkpoints, Criterion, FdmcSure, FpadMode, LinearOnSupport, LinearSolver, Method,
    MonteCarloSure, Options, Perturbation, Sure,
};
use hypergrad::optim::data::Dataset;
use hypergrad::optim::{FixedPointMap, SolverParams};

/// The tape `--method reverse` may hold before it falls back to √K checkpoints: a solver's few
/// tens of epochs on the Lasso family need well under 1 MB (`benches/unroll_maps.rs`).
const REVERSE_TAPE_BYTES: usize = 256 << 20;

/// The hypergradient method of `--method`.
pub fn gradient_method(kind: MethodKind) -> Result<Method, Error> {
    Ok(match kind {
        MethodKind::Auto => Method::Auto,
        MethodKind::ImplicitForward => Method::ImplicitForward,
        MethodKind::Implicit => Method::Implicit {
            linear_solver: LinearSolver::Bicgstab,
        },
        MethodKind::Forward => Method::ForwardUnrolled,
        MethodKind::Reverse => Method::ReverseUnrolled {
            truncate: None,
            checkpoints: Checkpoints::Fit(REVERSE_TAPE_BYTES),
        },
        MethodKind::Fpad => Method::Fpad {
            mode: FpadMode::Forward,
        },
        MethodKind::OneStep => Method::OneStep,
        MethodKind::JacobianFree => Method::JacobianFree,
        MethodKind::Grid | MethodKind::Random => {
            return Err(
                "grid and random search have no hypergradient: use them with `select`".into(),
            )
        }
    })
}

/// Points of the comparison baseline.
const BASELINE_POINTS: usize = 30;

/// Which search a pass runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// The method asked for (`--method`, `--optimizer`).
    Method,
    /// The zero-order baseline of `--compare` (and of the curve of `--plot`).
    Baseline,
}

/// Everything about the outer search that does not depend on the model's types.
struct Search<'a> {
    args: &'a SelectArgs,
    method: Method,
    options: Options,
    bounds: Vec<(f64, f64)>,
    start: Vec<f64>,
    schedule: ToleranceSchedule,
}

/// The runs of one `select`.
pub struct Runs {
    /// The rows the search fitted on and validated on (`None`: all of them, by folds or in
    /// sample).
    pub rows: (usize, Option<usize>),
    /// The method's run.
    pub run: Trajectory,
    /// The baseline's run, with `--compare` or `--plot`.
    pub baseline: Option<Trajectory>,
}

/// The runs of one `select` and the model at the best hyperparameters.
pub struct Outcome {
    /// The method's run.
    pub run: Trajectory,
    /// The baseline's run, with `--compare` or `--plot`.
    pub baseline: Option<Trajectory>,
    /// The model at the best hyperparameters, refit on every row of `--data`.
    pub fit: Fit,
    /// The rows of the search (see [`Runs::rows`]).
    pub rows: (usize, Option<usize>),
}

impl<'a> Search<'a> {
    /// Bounds `[α_max·10⁻⁴, α_max]` (ridge: up to `α_max·10³`) on every hyperparameter, start
    /// at `--alpha` or `α_max/10`, HOAG tolerances down to `--tol`.
    fn new(experiment: &Experiment, args: &'a SelectArgs, train: &Dataset) -> Result<Self, Error> {
        let alpha_max = experiment.alpha_max(train)?;
        let upper = if experiment.kind == ModelKind::Ridge {
            alpha_max * 1e3
        } else {
            alpha_max
        };
        let dim = experiment.dim();
        let tol = args.data.tol;
        Ok(Self {
            args,
            method: match args.method() {
                MethodKind::Grid | MethodKind::Random => Method::Auto,
                kind => gradient_method(kind)?,
            },
            options: options(tol),
            bounds: vec![((alpha_max * 1e-4).ln(), upper.ln()); dim],
            start: match crate::setup::log_alpha(&args.alpha, &args.log_alpha)? {
                given if given.is_empty() => vec![(alpha_max / 10.0).ln(); dim],
                given => given,
            },
            schedule: ToleranceSchedule {
                initial: (tol * 1e3).min(1e-4),
                decay: 0.5,
                minimum: tol,
            },
        })
    }

    /// Grid search (`points` per axis for one hyperparameter, ⌈√points⌉ for two) or random
    /// search (`points` draws, and always beyond two hyperparameters).
    fn zero_order<H: HyperObjective>(
        &self,
        objective: &mut H,
        random: bool,
        points: usize,
    ) -> Result<Trajectory, Error> {
        let (tol, seed) = (self.args.data.tol, self.args.data.seed);
        Ok(match (random, self.bounds.len()) {
            (false, 1) => grid_search(objective, &self.bounds, points, tol)?,
            (false, 2) => {
                let per_axis = (points as f64).sqrt().ceil() as usize;
                grid_search(objective, &self.bounds, per_axis, tol)?
            }
            _ => random_search(objective, &self.bounds, points, tol, seed)?,
        })
    }

    fn points(&self, pass: Pass) -> usize {
        match pass {
            Pass::Method => self.args.max_outer,
            Pass::Baseline if self.bounds.len() == 2 => {
                ((BASELINE_POINTS as f64).sqrt().ceil() as usize).pow(2)
            }
            Pass::Baseline => BASELINE_POINTS,
        }
    }

    /// One pass on `objective`, with a progress bar.
    fn run<H: HyperObjective>(&self, objective: &mut H, pass: Pass) -> Result<Trajectory, Error> {
        let label = match pass {
            Pass::Method => "select",
            Pass::Baseline => "baseline",
        };
        let hidden = self.args.data.json;
        let mut objective = Progress::new(objective, self.points(pass), label, hidden);
        let (max_steps, schedule, bounds) = (self.args.max_outer, self.schedule, self.bounds[0]);
        if pass == Pass::Baseline {
            return self.zero_order(&mut objective, false, BASELINE_POINTS);
        }
        Ok(match (self.args.method(), self.args.optimizer) {
            (MethodKind::Grid, _) => self.zero_order(&mut objective, false, max_steps)?,
            (MethodKind::Random, _) => self.zero_order(&mut objective, true, max_steps)?,
            (_, OptimizerKind::Gd) => GradientDescent {
                max_steps,
                schedule,
                bounds,
                ..GradientDescent::default()
            }
            .run(&mut objective, &self.start)?,
            (_, OptimizerKind::Adam) => Adam {
                max_steps,
                schedule,
                bounds,
                ..Adam::default()
            }
            .run(&mut objective, &self.start)?,
            (_, OptimizerKind::Hoag) => Hoag {
                max_steps,
                schedule,
                bounds,
                ..Hoag::default()
            }
            .run(&mut objective, &self.start)?,
            (_, kind @ (OptimizerKind::LineSearch | OptimizerKind::Lbfgs)) => {
                let line_search = LineSearch {
                    max_steps,
                    schedule,
                    bounds,
                    ..LineSearch::default()
                };
                if kind == OptimizerKind::Lbfgs {
                    Lbfgs {
                        line_search,
                        ..Lbfgs::default()
                    }
                    .run(&mut objective, &self.start)?
                } else {
                    line_search.run(&mut objective, &self.start)?
                }
            }
        })
    }

    /// The method's pass and, with `--compare` or `--plot`, the baseline's, each on a fresh
    /// objective built by `pass` (so the baseline does not inherit the method's warm starts).
    fn outcome(
        &self,
        rows: (usize, Option<usize>),
        pass: impl Fn(Pass) -> Result<Trajectory, Error>,
    ) -> Result<Runs, Error> {
        let run = pass(Pass::Method)?;
        let baseline = if self.args.compare || self.args.plot.is_some() {
            Some(pass(Pass::Baseline)?)
        } else {
            None
        };
        Ok(Runs {
            rows,
            run,
            baseline,
        })
    }
}

/// The folds of `--criterion cv:K` or `cv` with `--folds` (`None` for other criteria), checked
/// against each other.
fn folds(args: &SelectArgs) -> Result<Option<Folds>, Error> {
    match (args.criterion, &args.folds) {
        (CriterionKind::CrossValidation { folds: Some(_) }, Some(_)) => {
            Err("--folds gives the folds: use --criterion cv, not cv:K".into())
        }
        (CriterionKind::CrossValidation { folds: Some(k) }, None) => Ok(Some(Folds::Seeded(k))),
        (CriterionKind::CrossValidation { folds: None }, Some(path)) => {
            Ok(Some(Folds::Labels(labels::read(path, "folds")?)))
        }
        (CriterionKind::CrossValidation { folds: None }, None) => Err(
            "--criterion cv needs a file of fold labels (--folds FILE), or use cv:K for K seeded \
             folds"
                .into(),
        ),
        (_, Some(_)) => Err("--folds applies to --criterion cv only".into()),
        (_, None) => Ok(None),
    }
}

/// Builds the objective of `--criterion` for one model and runs the searches.
fn outcome<P, C>(
    experiment: &Experiment,
    args: &SelectArgs,
    folds: Option<&Folds>,
    problem: impl Fn(&Dataset) -> Result<P, Error>,
    criterion: impl Fn(&Dataset) -> Result<C, Error>,
) -> Result<Runs, Error>
where
    P: FixedPointMap + Sync,
    C: Criterion + Sync,
{
    match args.criterion {
        CriterionKind::HeldOut => {
            let Prepared { train, val, .. } = experiment.held_out()?;
            let search = Search::new(experiment, args, &train)?;
            search.outcome((train.y.len(), Some(val.y.len())), |pass| {
                let (p, c) = (problem(&train)?, criterion(&val)?);
                let mut objective = Bilevel::new(&p, &c, search.method, search.options.clone());
                search.run(&mut objective, pass)
            })
        }
        CriterionKind::CrossValidation { .. } => {
            let rule = folds.ok_or("cross-validation without folds")?;
            let folds = experiment.folds(rule)?;
            let search = Search::new(experiment, args, &folds[0].train)?;
            let n = folds[0].train.y.len() + folds[0].val.y.len();
            search.outcome((n, None), |pass| {
                let mut problems = Vec::with_capacity(folds.len());
                let mut criteria = Vec::with_capacity(folds.len());
                for fold in &folds {
                    problems.push(problem(&fold.train)?);
                    criteria.push(criterion(&fold.val)?);
                }
                let per_fold = problems
                    .iter()
                    .zip(&criteria)
                    .map(|(p, c)| Bilevel::new(p, c, search.method, search.options.clone()))
                    .collect();
                search.run(&mut CrossValidation::new(per_fold)?, pass)
            })
        }
        CriterionKind::Sure { sigma } => {
            if experiment.kind == ModelKind::MultitaskLasso {
                return Err("sure:σ uses df = |S|, exact for lasso and wlasso only".into());
            }
            if !matches!(experiment.kind, ModelKind::Lasso | ModelKind::Wlasso) {
                return Err(
                    "sure:σ uses df = |S|, exact for lasso and wlasso only: use \
                            fdmc-sure:σ for this model"
                        .into(),
                );
            }
            jump_note(args);
            let Prepared { train, .. } = experiment.in_sample()?;
            let search = Search::new(experiment, args, &train)?;
            let sure = Sure::new(train.x.clone(), ndarray::ArrayView1::from(&train.y), sigma)?;
            search.outcome((train.y.len(), None), |pass| {
                let p = problem(&train)?;
                let mut objective = Bilevel::new(&p, &sure, search.method, search.options.clone());
                search.run(&mut objective, pass)
            })
        }
        // Built by `mc_sure`, which needs the narrower `LinearOnSupport` bound.
        CriterionKind::McSure { .. } => Err("mc-sure:σ needs a least-squares model".into()),
        CriterionKind::FdmcSure { sigma } => {
            if experiment.tasks() > 1 {
                return Err("fdmc-sure:σ perturbs one target: it does not apply to \
                            multitask-lasso"
                    .into());
            }
            if experiment.kind == ModelKind::Logreg {
                return Err(
                    "fdmc-sure:σ assumes Gaussian noise on a regression target: it does \
                            not apply to logreg"
                        .into(),
                );
            }
            let Prepared { train, .. } = experiment.in_sample()?;
            let search = Search::new(experiment, args, &train)?;
            let perturbation = Perturbation::gaussian(train.y.len(), sigma, args.data.seed)?;
            search.outcome((train.y.len(), None), |pass| {
                let mut objective = FdmcSure::new(
                    train.x.clone(),
                    ndarray::ArrayView1::from(&train.y),
                    sigma,
                    &perturbation,
                    |y| {
                        problem(&Dataset {
                            y: y.to_vec(),
                            ..train.clone()
                        })
                    },
                    search.method,
                    search.options.clone(),
                )?;
                search.run(&mut objective, pass)
            })
        }
    }
}

/// A note when a gradient method is asked for on a criterion whose df jumps with the support.
fn jump_note(args: &SelectArgs) {
    if !matches!(args.method(), MethodKind::Grid | MethodKind::Random) {
        eprintln!(
            "note: the degrees of freedom of {} jump where the support changes and a \
             hypergradient sees only the smooth part; prefer grid search or fdmc-sure:σ",
            args.criterion
        );
    }
}

/// Monte-Carlo SURE on all of `--data`, along a seeded direction.
fn mc_sure<P: LinearOnSupport>(
    experiment: &Experiment,
    args: &SelectArgs,
    problem: impl Fn(&Dataset) -> Result<P, Error>,
    sigma: f64,
) -> Result<Runs, Error> {
    if experiment.kind != ModelKind::Ridge {
        jump_note(args);
    }
    let Prepared { train, .. } = experiment.in_sample()?;
    let search = Search::new(experiment, args, &train)?;
    let direction = Perturbation::gaussian(train.y.len(), sigma, args.data.seed)?;
    search.outcome((train.y.len(), None), |pass| {
        let mut objective = MonteCarloSure::new(
            problem(&train)?,
            sigma,
            &direction,
            search.method,
            search.options.clone(),
        )?;
        search.run(&mut objective, pass)
    })
}

/// `hypergrad select`.
pub fn select(
    experiment: &Experiment,
    args: &SelectArgs,
    out: &mut dyn std::io::Write,
) -> Result<(), Error> {
    let folds = folds(args)?;
    let Runs {
        rows,
        run,
        baseline,
    } = match args.criterion {
        CriterionKind::McSure { sigma } => {
            with_least_squares_model!(experiment, |problem| mc_sure(
                experiment, args, problem, sigma
            )?)?
        }
        _ => with_model!(experiment, |problem, criterion| outcome(
            experiment,
            args,
            folds.as_ref(),
            problem,
            criterion
        )?),
    };
    let all = experiment.all_rows()?;
    let best = &run.best().log_alpha;
    let params = SolverParams {
        max_iter: 100_000,
        tol: args.data.tol,
        record_history: false,
    };
    let x = with_model!(experiment, |problem, _criterion| problem(&all.train)?
        .solve(best, None, &params)?
        .x);
    let outcome = Outcome {
        fit: Fit::new(experiment, &all, &x)?,
        rows,
        run,
        baseline,
    };
    report::select(out, experiment.kind, args, &outcome)?;
    if let Some(path) = &args.plot {
        Figure {
            run: &outcome.run,
            label: report::label(args),
            grid: outcome.baseline.as_ref(),
            criterion: args.criterion.to_string(),
        }
        .write(path)?;
    }
    Ok(())
}
