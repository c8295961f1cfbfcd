//! `hypergrad grad` and `hypergrad solve`: one hypergradient or one inner solution at given
//! hyperparameters, on the held-out split.

use crate::model::with_model;
use crate::select::gradient_method;
use crate::setup::{Error, Experiment};
use crate::{report, DataArgs};
use hypergrad::bilevel::{hypergradient, Options};
use hypergrad::optim::{FixedPointMap, SolverParams};
use std::io::Write;
use std::time::Instant;

fn check_dim(experiment: &Experiment, log_alpha: &[f64]) -> Result<(), Error> {
    if log_alpha.len() == experiment.dim() {
        return Ok(());
    }
    Err(format!(
        "--alpha needs {} value(s) for this model, got {}",
        experiment.dim(),
        log_alpha.len()
    )
    .into())
}

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
    log_alpha: &[f64],
    out: &mut dyn Write,
) -> Result<(), Error> {
    check_dim(experiment, log_alpha)?;
    let method = gradient_method(args.method())?;
    let data = experiment.held_out()?;
    let start = Instant::now();
    let h = with_model!(experiment.kind, |problem, criterion| hypergradient(
        &problem(&data.train)?,
        &criterion(&data.val)?,
        log_alpha,
        &method,
        &options(args.tol)
    )?);
    let seconds = start.elapsed().as_secs_f64();
    report::grad(out, experiment.kind, args, log_alpha, &h, seconds)
}

/// `hypergrad solve`.
pub fn solve(
    experiment: &Experiment,
    args: &DataArgs,
    log_alpha: &[f64],
    out: &mut dyn Write,
) -> Result<(), Error> {
    check_dim(experiment, log_alpha)?;
    let data = experiment.held_out()?;
    let solution = with_model!(experiment.kind, |problem, _criterion| {
        let params = SolverParams {
            max_iter: 100_000,
            tol: args.tol,
            record_history: false,
        };
        problem(&data.train)?.solve(log_alpha, None, &params)?
    });
    report::solve(out, &solution, data.intercept, experiment.columns(), args)
}
