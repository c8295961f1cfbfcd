//! Stochastic bilevel optimization (seed 003: Dagréou, Ablin, Vaiter, Moreau, 2022): SOBA and
//! SABA against the full-batch implicit hypergradient with L-BFGS, on the problems of benchopt's
//! `benchmark_bilevel`.
//!
//! Run: `cargo run --release --example stochastic_bilevel [-- OUT.svg [ROWS]]` (default
//! `target/stochastic_bilevel.svg`, 50 000 synthetic rows).

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

fn race<G: FiniteSum, F: FiniteSum>(problem: &Problem<G, F>) -> Result<(Vec<Curve>, f64), Box<dyn Error>> {
    let h = ValueFunction::new(&problem.inner, &problem.outer);
    let mut curves = vec![full_batch(
        &problem.inner,
        &problem.outer,
        &problem.theta0,
        problem.bounds,
        problem.lbfgs_steps,
        &h,
    )?];
    let soba = problem
        .soba
        .run(&problem.inner, &problem.outer, &problem.theta0, |it| h.at(it.theta))?;
    curves.push(curve("SOBA", &soba));
    let saba = problem
        .saba
        .run(&problem.inner, &problem.outer, &problem.theta0, |it| h.at(it.theta))?;
    curves.push(curve("SABA", &saba));
    let best = curves
        .iter()
        .flat_map(|c| c.points.iter().map(|p| p.criterion))
        .fold(f64::INFINITY, f64::min);
    println!("\n{}: h(θ₀) = {:.6}, h* = {best:.6} (the best value any solver reached)", problem.name, curves[0].points[0].criterion);
    print!("{:<32}", "time [s] / samples to h − h* ≤");
    for gap in GAPS {
        print!(" {:>22}", format!("{gap:.0e}"));
    }
    println!(" {:>12}", "final gap");
    for c in &curves {
        print!("{:<32}", c.label);
        for gap in GAPS {
            let cell = reached(c, best, gap).map_or_else(
                || "—".to_string(),
                |p| format!("{:.3} / {:.2e}", p.seconds, p.samples as f64),
            );
            print!(" {cell:>22}");
        }
        let last = c.points.last().expect("every curve has its start");
        println!(" {:>12.2e}", last.criterion - best);
    }
    Ok((curves, best))
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .map_or_else(|| PathBuf::from("target/stochastic_bilevel.svg"), PathBuf::from);
    let rows: usize = args.next().map_or(Ok(50_000), |r| r.parse())?;
    if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)?;
    }
    match std::env::var("ONLY").as_deref() { Ok("large") => { race(&problems::synthetic_logistic(rows)?)?; return Ok(()); } Ok("cleaning") => { race(&problems::hyper_cleaning(2000)?)?; return Ok(()); } Ok("cancer") => { race(&problems::breast_cancer_logistic()?)?; return Ok(()); } _ => {} }
    let (cancer, cancer_best) = race(&problems::breast_cancer_logistic()?)?;
    let (large, large_best) = race(&problems::synthetic_logistic(rows)?)?;
    let (cleaning, cleaning_best) = race(&problems::hyper_cleaning(2000)?)?;
    let panels = [
        Panel { title: "breast cancer, per-feature ridge logistic".into(), curves: &cancer, best: cancer_best },
        Panel { title: format!("synthetic logistic, {rows} rows"), curves: &large, best: large_best },
        Panel { title: "hyper-cleaning, 2000 rows, 50 % corrupted".into(), curves: &cleaning, best: cleaning_best },
    ];
    plot::plot(&path, &panels)?;
    println!("\nplot written to {}", path.display());
    Ok(())
}
