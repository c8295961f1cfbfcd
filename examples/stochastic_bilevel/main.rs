//! Stochastic bilevel optimization (seed 003: Dagréou, Ablin, Vaiter, Moreau, 2022): SOBA and
//! SABA against the full-batch implicit hypergradient with L-BFGS, on the problems of benchopt's
//! `benchmark_bilevel`: per-feature ridge logistic regression (breast cancer; a synthetic set at
//! `ROWS/10` and `ROWS` rows) and data hyper-cleaning (1 000 rows, half of the labels corrupted).
//!
//! Every curve is re-evaluated with the same exact `h(θ)` (an inner Newton–CG solve to
//! ‖∇G‖ ≤ 1e-10, its time not counted); `h*` is the best value any solver reached. The table
//! gives the seconds and samples each solver needed to come within a gap of `h*`, and the ratio
//! of SABA's time to the full batch's: below 1 where stochastic wins.
//!
//! Run: `cargo run --release --example stochastic_bilevel [-- OUT.svg [ROWS]]` (default
//! `target/stochastic_bilevel.svg`, 50 000 rows).

mod plot;
mod problems;
mod race;

use hypergrad::bilevel::stochastic::FiniteSum;
use plot::Panel;
use problems::Problem;
use race::{curve, full_batch, reached, Curve, ValueFunction};
use std::error::Error;
use std::path::PathBuf;

/// The gaps `h(θ) − h*` at which the table reports each solver.
const GAPS: [f64; 3] = [1e-2, 1e-3, 1e-4];

/// Runs the three solvers on `problem`, prints the table and the plotted points; returns the
/// curves and `h*`.
fn race<G: FiniteSum, F: FiniteSum>(
    problem: &Problem<G, F>,
) -> Result<(Vec<Curve>, f64), Box<dyn Error>> {
    let h = ValueFunction::new(&problem.inner, &problem.outer);
    let mut curves = vec![full_batch(
        &problem.inner,
        &problem.outer,
        &problem.theta0,
        problem.bounds,
        problem.lbfgs_steps,
        &h,
    )?];
    for (label, run) in [
        (
            "SOBA",
            problem
                .soba
                .run(&problem.inner, &problem.outer, &problem.theta0, |it| {
                    h.at(it.theta)
                })?,
        ),
        (
            "SABA",
            problem
                .saba
                .run(&problem.inner, &problem.outer, &problem.theta0, |it| {
                    h.at(it.theta)
                })?,
        ),
    ] {
        curves.push(curve(label, &run));
    }
    let best = curves
        .iter()
        .flat_map(|c| c.points.iter().map(|p| p.criterion))
        .fold(f64::INFINITY, f64::min);
    println!(
        "\n{}, n = {}: h(θ₀) = {:.6}, h* = {best:.6}",
        problem.name,
        problem.inner.n_samples(),
        curves[0].points[0].criterion
    );
    print!("{:<30}", "seconds / samples to h − h* ≤");
    for gap in GAPS {
        print!(" {:>20}", format!("{gap:.0e}"));
    }
    println!(" {:>10}", "final gap");
    for c in &curves {
        print!("{:<30}", c.label);
        for gap in GAPS {
            let cell = reached(c, best, gap).map_or_else(
                || "—".to_string(),
                |p| format!("{:.3} / {:.1e}", p.seconds, p.samples as f64),
            );
            print!(" {cell:>20}");
        }
        let last = c.points.last().expect("every curve has its start");
        println!(" {:>10.2e}", last.criterion - best);
    }
    print!("{:<30}", "SABA time / full-batch time");
    for gap in GAPS {
        let ratio = match (
            reached(&curves[2], best, gap),
            reached(&curves[0], best, gap),
        ) {
            (Some(s), Some(f)) => format!("{:.3}", s.seconds / f.seconds),
            (Some(_), None) => "SABA only".into(),
            (None, Some(_)) => "full only".into(),
            (None, None) => "—".into(),
        };
        print!(" {ratio:>20}");
    }
    println!();
    for c in &curves {
        let points: Vec<String> = c
            .points
            .iter()
            .map(|p| {
                format!(
                    "({:.3}, {:.1e}, {:.2e})",
                    p.seconds,
                    p.samples as f64,
                    p.criterion - best
                )
            })
            .collect();
        println!(
            "  plotted {} (seconds, samples, gap): {}",
            c.label,
            points.join(" ")
        );
    }
    Ok((curves, best))
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().map_or_else(
        || PathBuf::from("target/stochastic_bilevel.svg"),
        PathBuf::from,
    );
    let rows: usize = args.next().map_or(Ok(50_000), |r| r.parse())?;
    if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)?;
    }
    let cancer = race(&problems::breast_cancer_logistic()?)?;
    let small = race(&problems::synthetic_logistic(rows / 10)?)?;
    let large = race(&problems::synthetic_logistic(rows)?)?;
    let cleaning = race(&problems::hyper_cleaning(1000)?)?;
    let panels = [
        (
            "breast cancer, per-feature ridge logistic".to_string(),
            cancer,
        ),
        (format!("synthetic logistic, {} rows", rows / 10), small),
        (format!("synthetic logistic, {rows} rows"), large),
        (
            "hyper-cleaning, 1000 rows, 50 % corrupted".to_string(),
            cleaning,
        ),
    ]
    .map(|(title, (curves, best))| Panel {
        title,
        curves,
        best,
    });
    plot::plot(&path, &panels)?;
    println!("\nplot written to {}", path.display());
    Ok(())
}
