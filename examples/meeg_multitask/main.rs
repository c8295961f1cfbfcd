//! M/EEG-like source reconstruction by the multitask Lasso, λ selected by FDMC-SURE (seed 001;
//! Bertrand et al. 2022): a simulated smooth leadfield (60 sensors, 240 sources), three active
//! sources, 20 time samples as tasks. FDMC-SURE(λ) against the true prediction risk, λ selected
//! by L-BFGS on its gradient SUGAR, and the sources it recovers.
//!
//! Run: `cargo run --release --example meeg_multitask [folder]` (default `target/figures`);
//! writes `meeg_multitask.svg` and prints the numbers it plots.

#[path = "../shared/plot.rs"]
mod plot;
mod problem;

use hypergrad::bilevel::outer::HyperObjective;
use plot::{Panel, Series};
use plotters::prelude::*;
use std::error::Error;

const POINTS: usize = 9;

fn main() -> Result<(), Box<dyn Error>> {
    let setup = &problem::FIGURE;
    let rec = problem::recording(setup, 0);
    let model = rec.model()?;
    let top = model.alpha_max().ln();
    let mut sure = rec.sure(1)?;
    let entries = (setup.sensors * setup.times) as f64;
    println!(
        "{} sensors, {} sources, {} time samples, σ = {}; true sources {:?}; per entry of Y:",
        setup.sensors, setup.sources, setup.times, setup.sigma, rec.active
    );
    println!(
        "{:>14} {:>11} {:>11} {:>12} {:>8}",
        "log10 λ/λmax", "SURE", "risk", "SUGAR", "|S|"
    );
    let mut rows = Vec::new();
    for i in 0..POINTS {
        let decades = -2.0 * i as f64 / (POINTS - 1) as f64;
        let t = top + decades * 10f64.ln();
        let eval = sure.evaluate(&[t], 1e-10)?;
        let estimate = rec.estimate(&model, t)?;
        let risk = rec.risk(&estimate);
        let size = problem::found(&estimate).len();
        println!(
            "{decades:>14.3} {:>11.5} {:>11.5} {:>12.4e} {size:>8}",
            eval.value / entries,
            risk / entries,
            eval.grad[0] / entries
        );
        rows.push((decades, eval.value / entries, risk / entries));
    }
    let run = problem::select(&mut sure, top)?;
    let best = run.best();
    let decades = (best.log_alpha[0] - top) / 10f64.ln();
    let estimate = rec.estimate(&model, best.log_alpha[0])?;
    let found = problem::found(&estimate);
    let oracle = rows.iter().map(|r| r.2).fold(f64::INFINITY, f64::min);
    println!(
        "L-BFGS on FDMC-SURE: λ = λ_max·10^{decades:.3} after {} evaluations ({:?}); risk {:.5} \
         per entry (the grid's best {oracle:.5}); {} sources found {:?}; true sources recovered \
         within ±2: {}",
        run.steps.len(),
        run.stop,
        rec.risk(&estimate) / entries,
        found.len(),
        found,
        problem::recovered(&rec.active, &found, 2)
    );
    let amplitude = |b: &ndarray::Array2<f64>| {
        let rows = b.rows().into_iter().enumerate();
        let norms = rows.map(|(j, r)| (j as f64, r.dot(&r).sqrt()));
        norms.filter(|(_, v)| *v > 0.0).collect::<Vec<_>>()
    };
    let marker = vec![(decades, "selected by L-BFGS on SURE".to_string())];
    let panels = [
        Panel {
            caption: "Multitask Lasso: FDMC-SURE vs the true risk".into(),
            x_desc: "log10 λ/λmax".into(),
            y_desc: "per entry of Y".into(),
            log_y: false,
            y_range: None,
            series: vec![
                Series::line("FDMC-SURE", BLUE, rows.iter().map(|r| (r.0, r.1)).collect()),
                Series::line(
                    "true prediction risk",
                    BLACK,
                    rows.iter().map(|r| (r.0, r.2)).collect(),
                ),
            ],
            markers: marker,
        },
        Panel {
            caption: "sources at the selected λ".into(),
            x_desc: "source".into(),
            y_desc: "‖B_j‖ over time".into(),
            log_y: false,
            y_range: None,
            series: vec![
                Series::dots("true", BLACK, amplitude(&rec.sources)),
                Series::dots("estimated", RED, amplitude(&estimate)),
            ],
            markers: Vec::new(),
        },
    ];
    let path = plot::output_folder()?.join("meeg_multitask.svg");
    plot::save(&path, 760, 380, &panels)?;
    println!("plot written to {}", path.display());
    Ok(())
}
