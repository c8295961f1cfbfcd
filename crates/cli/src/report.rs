//! What the commands print: tables for people, one JSON object with `--json`.

use crate::select::Outcome;
use crate::setup::ModelKind;
use crate::{DataArgs, MethodKind, SelectArgs};
use clap::ValueEnum;
use hypergrad::bilevel::outer::Trajectory;
use hypergrad::bilevel::Hypergradient;
use hypergrad::optim::Solution;
use serde_json::json;

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
pub fn select(kind: ModelKind, args: &SelectArgs, outcome: &Outcome) {
    let (run, best) = (&outcome.run, outcome.run.best());
    if args.data.json {
        let steps: Vec<_> = run
            .steps
            .iter()
            .map(|s| json!({"log_alpha": s.log_alpha, "value": s.value, "grad_norm": if s.grad_norm.is_nan() { None } else { Some(s.grad_norm) }, "seconds": s.seconds, "inner_iterations": s.inner_iterations}))
            .collect();
        let mut out = json!({
            "model": name(kind), "method": name(args.method()), "optimizer": name(args.optimizer),
            "criterion": args.criterion.to_string(),
            "log_alpha": best.log_alpha, "alpha": best.log_alpha.iter().map(|l| l.exp()).collect::<Vec<_>>(),
            "value": best.value, "evaluations": run.steps.len(), "seconds": seconds(run),
            "stop": format!("{:?}", run.stop), "trajectory": steps,
        });
        if args.data.fit_intercept {
            out["intercept"] = json!(outcome.intercept);
        }
        if let Some(g) = &outcome.baseline {
            out["grid"] = json!({"search": baseline_name(g), "log_alpha": g.best().log_alpha, "value": g.best().value, "evaluations": g.steps.len(), "seconds": seconds(g)});
        }
        println!("{out}");
        return;
    }
    println!(
        "{:>4}  {:<28}  {:>12}  {:>10}  {:>9}  {:>8}",
        "step", "alpha", "criterion", "|grad|", "seconds", "inner it"
    );
    for (k, s) in run.steps.iter().enumerate() {
        println!(
            "{:>4}  {:<28}  {:>12.6}  {:>10.3e}  {:>9.4}  {:>8}",
            k,
            alphas(&s.log_alpha),
            s.value,
            s.grad_norm,
            s.seconds,
            s.inner_iterations
        );
    }
    println!(
        "\n{} / {} ({}): best criterion {:.6} at alpha = {} after {} evaluations ({:.3} s, stop: {:?})",
        name(kind),
        label(args),
        args.criterion,
        best.value,
        alphas(&best.log_alpha),
        run.steps.len(),
        seconds(run),
        run.stop
    );
    if args.data.fit_intercept {
        println!("intercept {:.6}", outcome.intercept);
    }
    if let Some(g) = &outcome.baseline {
        println!(
            "{}: best criterion {:.6} at alpha = {} after {} evaluations ({:.3} s)",
            baseline_name(g),
            g.best().value,
            alphas(&g.best().log_alpha),
            g.steps.len(),
            seconds(g)
        );
    }
}

/// `grad`.
pub fn grad(kind: ModelKind, args: &DataArgs, log_alpha: &[f64], h: &Hypergradient, seconds: f64) {
    let (method, nnz) = (args.method(), h.x.iter().filter(|v| **v != 0.0).count());
    if args.json {
        println!(
            "{}",
            json!({"model": name(kind), "method": name(method), "log_alpha": log_alpha, "value": h.value, "grad": h.grad, "nnz": nnz, "inner_iterations": h.diagnostics.inner.iterations, "seconds": seconds})
        );
        return;
    }
    println!("criterion {:.6} at alpha = {}", h.value, alphas(log_alpha));
    println!("d criterion / d log alpha = {:?}", h.grad);
    println!(
        "non-zeros {nnz}, inner iterations {}, {:.4} s",
        h.diagnostics.inner.iterations, seconds
    );
    for w in &h.diagnostics.warnings {
        println!("warning: {w:?}");
    }
}

/// `solve`.
pub fn solve(solution: &Solution, intercept: f64, args: &DataArgs) {
    let r = &solution.report;
    if args.json {
        let mut out = json!({"coef": solution.x, "objective": r.objective, "gap": r.duality_gap, "iterations": r.iterations});
        if args.fit_intercept {
            out["intercept"] = json!(intercept);
        }
        println!("{out}");
        return;
    }
    println!("coefficients: {:?}", solution.x);
    if args.fit_intercept {
        println!("intercept: {intercept}");
    }
    println!(
        "objective {:.8}, duality gap {:?}, {} iterations, {:?}",
        r.objective, r.duality_gap, r.iterations, r.stop
    );
}
