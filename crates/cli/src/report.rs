//! What the commands print: tables for people, one JSON object with `--json`.

use crate::setup::ModelKind;
use crate::{DataArgs, MethodKind};
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

/// `select`: the trajectory, the result and the optional grid comparison.
pub fn select(kind: ModelKind, args: &DataArgs, run: &Trajectory, grid: Option<&Trajectory>) {
    let best = run.best();
    if args.json {
        let steps: Vec<_> = run
            .steps
            .iter()
            .map(|s| json!({"log_alpha": s.log_alpha, "value": s.value, "grad_norm": if s.grad_norm.is_nan() { None } else { Some(s.grad_norm) }, "seconds": s.seconds, "inner_iterations": s.inner_iterations}))
            .collect();
        let mut out = json!({
            "model": name(kind), "method": name(args.method()),
            "log_alpha": best.log_alpha, "alpha": best.log_alpha.iter().map(|l| l.exp()).collect::<Vec<_>>(),
            "value": best.value, "evaluations": run.steps.len(), "stop": format!("{:?}", run.stop), "trajectory": steps,
        });
        if let Some(g) = grid {
            out["grid"] = json!({"log_alpha": g.best().log_alpha, "value": g.best().value, "evaluations": g.steps.len(), "seconds": g.steps.last().map_or(0.0, |s| s.seconds)});
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
    let seconds = run.steps.last().map_or(0.0, |s| s.seconds);
    println!(
        "\n{} / {}: best criterion {:.6} at alpha = {} after {} evaluations ({:.3} s, stop: {:?})",
        name(kind),
        name(args.method()),
        best.value,
        alphas(&best.log_alpha),
        run.steps.len(),
        seconds,
        run.stop
    );
    if let Some(g) = grid {
        let gb = g.best();
        println!(
            "grid search: best criterion {:.6} at alpha = {} after {} evaluations ({:.3} s)",
            gb.value,
            alphas(&gb.log_alpha),
            g.steps.len(),
            g.steps.last().map_or(0.0, |s| s.seconds)
        );
    }
}

/// `grad`.
pub fn grad(
    kind: ModelKind,
    method: MethodKind,
    log_alpha: &[f64],
    h: &Hypergradient,
    seconds: f64,
    as_json: bool,
) {
    let nnz = h.x.iter().filter(|v| **v != 0.0).count();
    if as_json {
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
pub fn solve(solution: &Solution, as_json: bool) {
    let r = &solution.report;
    if as_json {
        println!(
            "{}",
            json!({"coef": solution.x, "objective": r.objective, "gap": r.duality_gap, "iterations": r.iterations})
        );
        return;
    }
    println!("coefficients: {:?}", solution.x);
    println!(
        "objective {:.8}, duality gap {:?}, {} iterations, {:?}",
        r.objective, r.duality_gap, r.iterations, r.stop
    );
}
