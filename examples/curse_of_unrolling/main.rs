//! The curse of unrolling (seed 003; Scieur et al. 2022, Malézieux et al. 2022): the error of
//! the Jacobian ∂β/∂log α that each method returns after k iterations, on ISTA for a Lasso whose
//! support is identified late — drawn with `hypergrad::bilevel::curves`, which does the same for
//! any solver written as a `FixedPointMap`.
//!
//! - forward unrolling: grows while the support is being identified (its recursion runs on
//!   supports larger than the rank of X, where nothing contracts), then decays linearly at the
//!   contraction ρ of ∂ₓT on the final support;
//! - reverse unrolling: the same numbers by a reverse sweep (dots, every 20th k);
//! - truncated backpropagation (the last 20 steps): bounded, but stalls at the bias of the
//!   steps it leaves out;
//! - FPAD (the derivative recursion at x*): linear at ρ from the first step;
//! - implicit differentiation at β_k: useless while supp(β_k) is wrong (a singular system,
//!   reported as a warning per budget), exact from the identification on.
//!
//! Run: `cargo run --release --example curse_of_unrolling [folder]` (default `target/figures`);
//! writes `curse_of_unrolling.svg` and prints the numbers it plots.

#[path = "../shared/plot.rs"]
mod plot;
mod problem;

use hypergrad::bilevel::curves::CurveOptions;
use hypergrad::bilevel::Method;
use plot::{Panel, Series};
use plotters::prelude::*;
use std::error::Error;

const NAMES: [&str; 4] = [
    "forward unrolling",
    "truncated backprop (20 steps)",
    "FPAD",
    "implicit at β_k",
];
const STRIDE: usize = 20;

fn main() -> Result<(), Box<dyn Error>> {
    let setup = &problem::FIGURE;
    let options = CurveOptions::up_to(setup.iterations);
    let curves = problem::curves(setup, &problem::methods(setup.truncate), &options)?;
    let sampled = CurveOptions::every(STRIDE, setup.iterations);
    let reverse = problem::curves(setup, &[problem::reverse()], &sampled)?;
    let reference = &curves.reference;
    let identified = curves.identified_at();
    println!(
        "ISTA on a Lasso {}×{} at α = α_max/{}: |S*| = {}, ρ(∂ₓT) on S* = {:.4}, reference error {:.1e}",
        setup.n,
        setup.p,
        setup.divisor,
        reference.support.as_ref().map_or(0, Vec::len),
        reference.contraction,
        reference.error_estimate
    );
    match identified {
        Some(k) => println!("supp(β_k) = supp(β*) from k = {k} on"),
        None => println!(
            "support not identified within {} iterations",
            setup.iterations
        ),
    }
    // Jacobian errors for the forward-mode estimates, hypergradient errors for the others.
    let errors = |i: usize| -> Vec<f64> {
        let c = &curves.curves[i];
        c.jacobian_error
            .clone()
            .unwrap_or_else(|| c.gradient_error.clone())
    };
    let forward = curves.curve(&Method::ForwardUnrolled).expect("asked for");
    let gap = reverse.curves[0]
        .iterations
        .iter()
        .zip(&reverse.curves[0].gradients)
        .map(|(&k, g)| (g[0] - forward.gradients[k - 1][0]).abs())
        .fold(0.0, f64::max);
    println!("reverse vs forward unrolling, every {STRIDE}th k: max |Δg| = {gap:.1e}");
    println!(
        "{:>5} {:>5} {:>5} | {:>12} {:>12} {:>12} {:>12}",
        "k", "|S_k|", "= S*", "forward", "truncated*", "FPAD", "implicit"
    );
    for (i, it) in curves.iterates.iter().enumerate() {
        if it.k <= 10 || it.k % 25 == 0 || Some(it.k) == identified {
            let size = it.support_size.unwrap_or(0);
            let ok = it.support_identified.unwrap_or(false);
            print!("{:>5} {size:>5} {ok:>5} |", it.k);
            for c in 0..NAMES.len() {
                print!(" {:>12.3e}", errors(c)[i]);
            }
            println!();
        }
    }
    let implicit = &curves.curves[3];
    println!(
        "(* truncated backprop is reverse mode: its column is |g_k − ∇h|)\n\
         implicit at β_k: {} budget(s) warned (singular or unsolved system), the last at k = {:?}",
        implicit.warnings.len(),
        implicit.warnings.last().map(|(k, _)| k)
    );
    println!(
        "forward unrolling: error {:.3e} at k = 1, largest before identification {:.3e}, \
         rate after it {:.4}",
        errors(0)[0],
        errors(0)[..identified.unwrap_or(1) - 1]
            .iter()
            .fold(0.0, |a: f64, &b| a.max(b)),
        identified
            .and_then(|k| forward.rate(k + 20, setup.iterations))
            .unwrap_or(f64::NAN)
    );
    let colors = [RED, MAGENTA, BLUE, BLACK];
    let markers: Vec<(f64, String)> = identified
        .map(|k| (k as f64, "support identified".to_string()))
        .into_iter()
        .collect();
    let line = |c: usize, values: &[f64]| {
        let points = curves.iterates.iter().zip(values);
        let points = points.map(|(it, &e)| (it.k as f64, e)).collect();
        Series::line(NAMES[c], colors[c], plot::thin(points, 20.0, 4))
    };
    let jacobians = [0, 2, 3]
        .iter()
        .map(|&c| line(c, curves.curves[c].jacobian_error.as_deref().unwrap_or(&[])))
        .collect();
    let mut gradients: Vec<Series> = (0..NAMES.len())
        .map(|c| line(c, &curves.curves[c].gradient_error))
        .collect();
    let dots = reverse
        .iterates
        .iter()
        .zip(&reverse.curves[0].gradient_error);
    gradients.push(Series::dots(
        "reverse unrolling",
        RGBColor(230, 120, 0),
        dots.map(|(it, &e)| (it.k as f64, e)).collect(),
    ));
    let panel = |caption: &str, y_desc: &str, series| Panel {
        caption: caption.into(),
        x_desc: "iterations k".into(),
        y_desc: y_desc.into(),
        log_y: true,
        y_range: Some((1e-16, 1e2)),
        series,
        markers: markers.clone(),
    };
    let panels = [
        panel("Lasso (ISTA): Jacobian error", "‖J_k − J*‖", jacobians),
        panel("Hypergradient error", "|g_k − ∇h|", gradients),
    ];
    let path = plot::output_folder()?.join("curse_of_unrolling.svg");
    plot::save(&path, 820, 420, &panels)?;
    println!("plot written to {}", path.display());
    Ok(())
}
