//! `hypergrad grad` and `hypergrad solve`: one hypergradient or one inner solution at given
//! hyperparameters, fitted on every row of `--data` unless `--val` or `--split` is given.

use crate::model::with_model;
use crate::select::gradient_method;
use crate::setup::{Error, Experiment};
use crate::{report, DataArgs, MethodKind};
use hypergrad::bilevel::{hypergradient, Options};
use hypergrad::optim::{FixedPointMap, SolverParams};
use std::io::Write;
use std::time::Instant;

/// Inner and Jacobian tolerances of one evaluation.
pub fn options(tol: f64) -> Options {
    Options {
        inner_tol: tol,
        jacobian_tol: 1e-8,
        ..Options::default()
    }
}

/// `hypergrad grad`.
pub fn grad(
    experiment: &Experiment,
    args: &DataArgs,
    method: MethodKind,
    log_alpha: &[f64],
    out: &mut dyn Write,
) -> Result<(), Error> {
    let data = experiment.point()?;
    if data.in_sample {
        eprintln!(
            "note: no --val or --split: the criterion is the loss on the training rows themselves"
        );
    }
    let start = Instant::now();
    let h = with_model!(experiment, |problem, criterion| hypergradient(
        &problem(&data.train)?,
        &criterion(&data.val)?,
        log_alpha,
        &gradient_method(method)?,
        &options(args.tol)
    )?);
    let seconds = start.elapsed().as_secs_f64();
    let fit = report::Fit::new(experiment, &data, &h.x)?;
    report::grad(
        out,
        (experiment.kind, method),
        args,
        log_alpha,
        &h,
        &fit,
        seconds,
    )
}

/// `hypergrad solve`.
pub fn solve(
    experiment: &Experiment,
    args: &DataArgs,
    log_alpha: &[f64],
    out: &mut dyn Write,
) -> Result<(), Error> {
    let data = experiment.point()?;
    let start = Instant::now();
    let solution = with_model!(experiment, |problem, _criterion| {
        let params = SolverParams {
            max_iter: 100_000,
            tol: args.tol,
            record_history: false,
        };
        problem(&data.train)?.solve(log_alpha, None, &params)?
    });
    let seconds = start.elapsed().as_secs_f64();
    let fit = report::Fit::new(experiment, &data, &solution.x)?;
    report::solve(out, &solution, &fit, args, seconds)
}
