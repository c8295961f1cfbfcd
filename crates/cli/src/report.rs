//! What the commands print: tables for people, one JSON object with `--json`.

use crate::select::Outcome;
use crate::setup::{Conventions, Error, Experiment, ModelKind, Prepared};
use crate::{DataArgs, MethodKind, SelectArgs};
use clap::ValueEnum;
use hypergrad::bilevel::outer::Trajectory;
use hypergrad::bilevel::Hypergradient;
use hypergrad::optim::Solution;
use serde_json::json;
use std::io::Write;

/// A fitted model on the original columns of `--data`, with the conventions and rows it was
/// fitted on: what every command states.
pub struct Fit {
    conventions: Conventions,
    /// The fixed mixing ratio of the elastic net (`--l1-ratio`).
    l1_ratio: Option<f64>,
    /// Warnings about the data (printed on stderr when it was read).
    warnings: Vec<String>,
    /// Training rows and validation rows (`None`: validated on the training rows).
    rows: (usize, Option<usize>),
    /// Per task (one but for the multitask Lasso): the coefficients on the original scale of
    /// the features and the intercept (0 without one).
    tasks: Vec<(Vec<f64>, f64)>,
    /// 1-based feature indices, only when the design does not hold every source column.
    index: Option<Vec<u64>>,
}

impl Fit {
    /// The model of coefficients `x` fitted on `data.train`, mapped back to the original
    /// columns. Fails when a number is not finite.
    pub fn new(experiment: &Experiment, data: &Prepared, x: &[f64]) -> Result<Self, Error> {
        let tasks = data.original(x)?;
        for (coef, intercept) in &tasks {
            finite("coefficient", coef)?;
            finite("intercept", [intercept])?;
        }
        let columns = experiment.columns();
        Ok(Self {
            conventions: experiment.conventions,
            l1_ratio: experiment.l1_ratio,
            warnings: experiment.warnings.clone(),
            rows: data.rows(),
            tasks,
            index: (columns.n_dropped() > 0)
                .then(|| columns.kept().iter().map(|k| k + 1).collect()),
        })
    }

    /// The number of non-zero coefficients, over all tasks.
    fn nonzeros(&self) -> usize {
        let coef = self.tasks.iter().flat_map(|t| &t.0);
        coef.filter(|v| **v != 0.0).count()
    }

    /// `{"intercept", "standardized", "rows": {"train", "validation"}}`.
    fn conventions_json(&self) -> serde_json::Value {
        let validation = self.rows.1.map_or_else(|| json!("train"), |v| json!(v));
        json!({
            "intercept": self.conventions.intercept,
            "standardized": self.conventions.standardized,
            "rows": {"train": self.rows.0, "validation": validation},
        })
    }

    /// Adds the model, the conventions and the warnings about the data to a command's JSON
    /// object.
    fn extend(&self, json: &mut serde_json::Value) {
        match &self.tasks[..] {
            [(coef, intercept)] => {
                json["coef"] = json!(coef);
                json["intercept"] = json!(intercept);
            }
            // scikit-learn's layout: one row of coefficients per task.
            tasks => {
                json["coef"] = json!(tasks.iter().map(|t| &t.0).collect::<Vec<_>>());
                json["intercept"] = json!(tasks.iter().map(|t| t.1).collect::<Vec<_>>());
            }
        }
        json["conventions"] = self.conventions_json();
        if let Some(index) = &self.index {
            json["feature_index"] = json!(index);
        }
        if let Some(r) = self.l1_ratio {
            json["l1_ratio"] = json!(r);
        }
        // After the command's own warnings (`grad`'s diagnostics).
        let mut warnings = json["warnings"].as_array().cloned().unwrap_or_default();
        warnings.extend(self.warnings.iter().map(|w| json!(w)));
        json["warnings"] = json!(warnings);
    }

    /// The model and the conventions, for people.
    fn print(&self, out: &mut dyn Write) -> Result<(), Error> {
        for (t, (coef, intercept)) in self.tasks.iter().enumerate() {
            let task = if self.tasks.len() > 1 {
                format!("task {}: ", t + 1)
            } else {
                String::new()
            };
            writeln!(out, "{task}coefficients: {coef:?}")?;
            if let Some(index) = &self.index {
                writeln!(out, "feature indices: {index:?}")?;
            }
            writeln!(out, "{task}intercept: {intercept}")?;
        }
        let validation = self
            .rows
            .1
            .map_or_else(String::new, |v| format!(", validated on {v} rows"));
        writeln!(
            out,
            "fitted on {} rows{validation}; intercept {}, features {}",
            self.rows.0,
            if self.conventions.intercept {
                "fitted"
            } else {
                "none"
            },
            if self.conventions.standardized {
                "standardized (coefficients on the original scale)"
            } else {
                "as given"
            }
        )?;
        Ok(())
    }
}

/// Fails, saying why, unless every number of `what` is finite: no NaN or ±∞ is printed.
fn finite<'a>(what: &str, values: impl IntoIterator<Item = &'a f64>) -> Result<(), Error> {
    match values.into_iter().find(|v| !v.is_finite()) {
        None => Ok(()),
        Some(v) => Err(format!(
            "the {what} is not finite ({v}): a computation overflowed double precision; \
             check the scale of the data and of the options (σ, α)"
        )
        .into()),
    }
}

/// `|grad|` for a table: `-` for a value-only evaluation (NaN by convention).
fn grad_norm(g: f64) -> String {
    if g.is_nan() {
        "-".into()
    } else {
        format!("{g:.3e}")
    }
}

/// An estimated relative error for a table: `-` when there is none (a value only).
fn estimate(e: Option<f64>) -> String {
    e.map_or_else(|| "-".into(), |e| format!("{e:.1e}"))
}

/// An error estimate in JSON: the number, or the string `"inf"` when no bound holds (JSON has
/// no infinity).
fn estimate_json(e: f64) -> serde_json::Value {
    if e.is_finite() {
        json!(e)
    } else {
        json!("inf")
    }
}

/// The distinct warnings of a run, in order of first appearance, with their step counts.
fn distinct_warnings(t: &Trajectory) -> Vec<(String, usize)> {
    let mut seen: Vec<(String, usize)> = Vec::new();
    for w in t.steps.iter().flat_map(|s| &s.warnings) {
        let kind = format!("{w:?}");
        let kind = kind
            .split([' ', '('])
            .next()
            .unwrap_or_default()
            .to_string();
        match seen.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => seen.push((kind, 1)),
        }
    }
    seen
}

fn name<T: ValueEnum>(v: T) -> String {
    v.to_possible_value()
        .map_or_else(String::new, |p| p.get_name().to_string())
}

fn alphas(log_alpha: &[f64]) -> String {
    let shown: Vec<String> = log_alpha
        .iter()
        .take(3)
        .map(|l| format!("{:.4e}", l.exp()))
        .collect();
    let more = if log_alpha.len() > 3 {
        format!(", … ({} in all)", log_alpha.len())
    } else {
        String::new()
    };
    format!("{}{more}", shown.join(", "))
}

/// `method / optimizer` (or the zero-order method alone), for tables and plots.
pub fn label(args: &SelectArgs) -> String {
    match args.method() {
        m @ (MethodKind::Grid | MethodKind::Random) => name(m),
        m => format!("{} / {}", name(m), name(args.optimizer)),
    }
}

fn baseline_name(t: &Trajectory) -> &'static str {
    if t.best().log_alpha.len() > 2 {
        "random search"
    } else {
        "grid search"
    }
}

fn seconds(t: &Trajectory) -> f64 {
    t.steps.last().map_or(0.0, |s| s.seconds)
}

/// `select`: the trajectory, the result and the optional baseline comparison.
pub fn select(
    out: &mut dyn Write,
    kind: ModelKind,
    args: &SelectArgs,
    outcome: &Outcome,
) -> Result<(), Error> {
    let (run, best) = (&outcome.run, outcome.run.best());
    let runs = std::iter::once(run).chain(&outcome.baseline);
    for step in runs.flat_map(|t| &t.steps) {
        finite("criterion", [&step.value])?;
        finite("hyperparameter", &step.log_alpha)?;
    }
    let fit = &outcome.fit;
    if args.data.json {
        let steps: Vec<_> = run
            .steps
            .iter()
            .map(|s| {
                let mut step = json!({"log_alpha": s.log_alpha, "value": s.value, "grad_norm": if s.grad_norm.is_nan() { None } else { Some(s.grad_norm) }, "warnings": s.warnings.iter().map(|w| format!("{w:?}")).collect::<Vec<_>>(), "seconds": s.seconds, "inner_iterations": s.inner_iterations});
                if let Some(e) = s.error_estimate {
                    step["error_estimate"] = estimate_json(e);
                }
                step
            })
            .collect();
        let mut json = json!({
            "model": name(kind), "method": name(args.method()), "optimizer": name(args.optimizer),
            "criterion": args.criterion.to_string(),
            "log_alpha": best.log_alpha, "alpha": best.log_alpha.iter().map(|l| l.exp()).collect::<Vec<_>>(),
            "value": best.value, "evaluations": run.steps.len(), "seconds": seconds(run),
            "stop": format!("{:?}", run.stop), "trajectory": steps,
        });
        fit.extend(&mut json);
        // The refit's rows are all of them; the search's are these.
        let validation = outcome
            .rows
            .1
            .map_or_else(|| json!(args.criterion.to_string()), |v| json!(v));
        json["conventions"]["rows"] =
            json!({"train": outcome.rows.0, "validation": validation, "refit": fit.rows.0});
        if let Some(g) = &outcome.baseline {
            json["grid"] = json!({"search": baseline_name(g), "log_alpha": g.best().log_alpha, "value": g.best().value, "evaluations": g.steps.len(), "seconds": seconds(g)});
        }
        writeln!(out, "{json}")?;
        return Ok(());
    }
    writeln!(
        out,
        "{:>4}  {:<28}  {:>12}  {:>10}  {:>8}  {:>9}  {:>8}",
        "step", "alpha", "criterion", "|grad|", "rel.err", "seconds", "inner it"
    )?;
    for (k, s) in run.steps.iter().enumerate() {
        writeln!(
            out,
            "{:>4}  {:<28}  {:>12.6}  {:>10}  {:>8}  {:>9.4}  {:>8}",
            k,
            alphas(&s.log_alpha),
            s.value,
            grad_norm(s.grad_norm),
            estimate(s.error_estimate),
            s.seconds,
            s.inner_iterations
        )?;
    }
    writeln!(
        out,
        "\n{} / {} ({}): best criterion {:.6} at alpha = {} after {} evaluations ({:.3} s, stop: {:?})",
        name(kind),
        label(args),
        args.criterion,
        best.value,
        alphas(&best.log_alpha),
        run.steps.len(),
        seconds(run),
        run.stop
    )?;
    for (kind, steps) in distinct_warnings(run) {
        writeln!(
            out,
            "warning: {kind} at {steps} step(s) (rel.err says by how much)"
        )?;
    }
    if let Some(g) = &outcome.baseline {
        writeln!(
            out,
            "{}: best criterion {:.6} at alpha = {} after {} evaluations ({:.3} s)",
            baseline_name(g),
            g.best().value,
            alphas(&g.best().log_alpha),
            g.steps.len(),
            seconds(g)
        )?;
    }
    writeln!(
        out,
        "\nthe model at the best alpha, refit on every row of --data:"
    )?;
    fit.print(out)?;
    Ok(())
}

/// `grad`: the value, the gradient and the diagnostics, warnings included.
pub fn grad(
    out: &mut dyn Write,
    (kind, method): (ModelKind, MethodKind),
    args: &DataArgs,
    log_alpha: &[f64],
    h: &Hypergradient,
    fit: &Fit,
    seconds: f64,
) -> Result<(), Error> {
    finite("criterion", [&h.value])?;
    finite("hypergradient", &h.grad)?;
    let nnz = fit.nonzeros();
    let d = &h.diagnostics;
    let warnings: Vec<String> = d.warnings.iter().map(|w| format!("{w:?}")).collect();
    if args.json {
        let mut json = json!({
            "model": name(kind), "method": name(method), "chosen": d.method.name(),
            "choice": d.choice, "log_alpha": log_alpha,
            "value": h.value, "grad": h.grad, "nnz": nnz,
            "error_estimate": estimate_json(d.error_estimate),
            "inner_iterations": d.inner.iterations, "inner_converged": d.inner.converged(),
            "jacobian_iterations": d.jacobian_iterations, "linear_residual": d.linear_residual,
            "linear_solver": d.linear_solver.map(|s| s.name()), "contraction": d.contraction.filter(|r| r.is_finite()),
            "support_size": d.support_size, "margin": d.margin,
            "warnings": warnings, "seconds": seconds,
        });
        fit.extend(&mut json);
        writeln!(out, "{json}")?;
        return Ok(());
    }
    writeln!(
        out,
        "criterion {:.6} at alpha = {}",
        h.value,
        alphas(log_alpha)
    )?;
    writeln!(out, "d criterion / d log alpha = {:?}", h.grad)?;
    writeln!(
        out,
        "estimated relative error {:.1e} ({}{})",
        d.error_estimate,
        d.method.name(),
        if d.choice.is_empty() {
            String::new()
        } else {
            format!(": {}", d.choice)
        }
    )?;
    writeln!(
        out,
        "non-zeros {nnz}, inner iterations {}, {:.4} s",
        d.inner.iterations, seconds
    )?;
    for w in &warnings {
        writeln!(out, "warning: {w}")?;
    }
    fit.print(out)?;
    Ok(())
}

/// `solve`: the coefficients and intercept on the original scale (with their feature indices
/// when some were never seen), the objective and the duality gap of the fitted problem.
pub fn solve(
    out: &mut dyn Write,
    solution: &Solution,
    fit: &Fit,
    args: &DataArgs,
    seconds: f64,
) -> Result<(), Error> {
    let r = &solution.report;
    finite("objective", [&r.objective])?;
    finite("duality gap", r.duality_gap.iter())?;
    if args.json {
        let mut json = json!({"objective": r.objective, "gap": r.duality_gap, "iterations": r.iterations, "converged": r.converged(), "seconds": seconds});
        fit.extend(&mut json);
        writeln!(out, "{json}")?;
        return Ok(());
    }
    fit.print(out)?;
    let gap = r
        .duality_gap
        .map_or_else(|| "-".into(), |g| format!("{g:.3e}"));
    writeln!(
        out,
        "objective {:.8}, duality gap {gap}, {} iterations, {:?}, {seconds:.4} s",
        r.objective, r.iterations, r.stop
    )?;
    Ok(())
}
