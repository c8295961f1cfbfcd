//! SUGAR on total-variation deblurring (seed 000; Deledalle et al. 2014): FDMC-SURE(λ) and its
//! gradient SUGAR — the sum of two hypergradients through a differentiated Chambolle–Pock —
//! against the true prediction risk ‖Kx̂(λ) − Kx₀‖² that SURE estimates without knowing x₀,
//! then λ selected by L-BFGS on FDMC-SURE.
//!
//! Run: `cargo run --release --example sugar_tv [folder]` (default `target/figures`); writes
//! `sugar_tv.svg` and prints the numbers it plots (values per pixel).

#[path = "../shared/plot.rs"]
mod plot;
mod problem;

use hypergrad::bilevel::outer::{HyperObjective, Lbfgs};
use hypergrad::bilevel::{hypergradient, Method};
use hypergrad::optim::solvers::TvNorm;
use plot::{Panel, Series};
use plotters::prelude::*;
use problem::Deblurring;
use std::error::Error;

const SIDE: usize = 16;
const SIGMA: f64 = 0.05;
/// log λ from LOW to HIGH in POINTS steps.
/// (Past log λ ≈ −3, Chambolle–Pock needs more than 2·10⁵ iterations to reach a step of
/// 1e-12.)
const LOW: f64 = -6.5;
const HIGH: f64 = -3.0;
const POINTS: usize = 8;
/// The central-difference step in log λ.
const DELTA: f64 = 1e-4;

fn main() -> Result<(), Box<dyn Error>> {
    let image = Deblurring::new(SIDE, SIGMA, TvNorm::Isotropic, 0);
    let n = (SIDE * SIDE) as f64;
    let options = problem::options();
    let mut sure = image.sure(Method::Auto, options.clone(), 1)?;
    let solver = image.solver(&image.y)?;
    let risk = image.prediction_risk();
    let tol = options.inner_tol;
    println!("TV deblurring {SIDE}×{SIDE}, 3×3 blur, σ = {SIGMA}; per pixel:");
    println!(
        "{:>8} {:>11} {:>11} | {:>12} {:>12} {:>9} | {:>12}",
        "log λ", "SURE", "risk", "SUGAR", "FD of SURE", "rel.diff", "d risk"
    );
    let (mut rows, mut warnings) = (Vec::new(), 0);
    for i in 0..POINTS {
        let t = LOW + (HIGH - LOW) * i as f64 / (POINTS - 1) as f64;
        let eval = sure.evaluate(&[t], tol)?;
        let mut value = |t: f64| sure.value(&[t], tol).map(|e| e.value);
        let fd = (value(t + DELTA)? - value(t - DELTA)?) / (2.0 * DELTA);
        let truth = hypergradient(&solver, &risk, &[t], &Method::Auto, &options)?;
        warnings += eval.warnings.len() + truth.diagnostics.warnings.len();
        if !eval.warnings.is_empty() || !truth.diagnostics.warnings.is_empty() {
            println!(
                "log λ = {t}: {:?} {:?} inner {}",
                eval.warnings, truth.diagnostics.warnings, truth.diagnostics.inner.iterations
            );
        }
        let rel = (eval.grad[0] - fd).abs() / fd.abs();
        println!(
            "{t:>8.3} {:>11.4e} {:>11.4e} | {:>12.5e} {:>12.5e} {rel:>9.1e} | {:>12.5e}",
            eval.value / n,
            truth.value / n,
            eval.grad[0] / n,
            fd / n,
            truth.grad[0] / n
        );
        rows.push([
            t,
            eval.value / n,
            truth.value / n,
            eval.grad[0] / n,
            fd / n,
            truth.grad[0] / n,
        ]);
    }
    println!("warnings (inner or Jacobian caps, degenerate points): {warnings}");
    let start = [-3.0];
    let run = Lbfgs::default().run(&mut sure, &start)?;
    let best = run.best();
    let selected = hypergradient(&solver, &risk, &best.log_alpha, &Method::Auto, &options)?;
    let grid_best = rows.iter().map(|r| r[2]).fold(f64::INFINITY, f64::min);
    println!(
        "L-BFGS on FDMC-SURE from log λ = {}: log λ = {:.4} after {} evaluations, \
         risk {:.4e} per pixel (the grid's best risk {:.4e})",
        start[0],
        best.log_alpha[0],
        run.steps.len(),
        selected.value / n,
        grid_best
    );
    let column = |c: usize| rows.iter().map(|r| (r[0], r[c])).collect::<Vec<_>>();
    let marker = vec![(best.log_alpha[0], "selected by L-BFGS on SURE".to_string())];
    let panels = [
        Panel {
            caption: format!("TV deblurring {SIDE}×{SIDE}: risk estimate"),
            x_desc: "log λ".into(),
            y_desc: "per pixel".into(),
            log_y: false,
            y_range: None,
            series: vec![
                Series::line("FDMC-SURE", BLUE, column(1)),
                Series::line("true prediction risk", BLACK, column(2)),
            ],
            markers: marker.clone(),
        },
        Panel {
            caption: "its gradient".into(),
            x_desc: "log λ".into(),
            y_desc: "d/d log λ, per pixel".into(),
            log_y: false,
            y_range: None,
            series: vec![
                Series::line("SUGAR", BLUE, column(3)),
                Series::dots("finite differences of FDMC-SURE", RED, column(4)),
                Series::line("gradient of the true risk", BLACK, column(5)),
            ],
            markers: marker,
        },
    ];
    let path = plot::output_folder()?.join("sugar_tv.svg");
    plot::save(&path, 760, 380, &panels)?;
    println!("plot written to {}", path.display());
    Ok(())
}
