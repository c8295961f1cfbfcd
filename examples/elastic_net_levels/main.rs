//! Held-out level sets of the elastic net (seed 001; Bertrand et al. 2020): the validation
//! error over (log α₁, log α₂) evaluated on a grid, drawn as bands of equal value, with the path
//! of gradient descent on the hypergradient from a nearly-Lasso corner. The descent reaches the
//! grid's best value in a few evaluations where the grid spends hundreds.
//!
//! Run: `cargo run --release --example elastic_net_levels [folder]` (default `target/figures`);
//! writes `elastic_net_levels.svg` and prints the numbers it plots.

#[path = "../shared/data.rs"]
mod data;
#[path = "../shared/plot.rs"]
mod plot;
mod problem;

use hypergrad::bilevel::outer::Trajectory;
use plotters::prelude::*;
use std::error::Error;
use std::path::Path;

/// Bands of equal held-out error in the figure.
const LEVELS: usize = 12;

fn main() -> Result<(), Box<dyn Error>> {
    let setup = &problem::FIGURE;
    let landscape = problem::landscape(setup, 1)?;
    let grid = landscape.grid(setup.grid)?;
    let descent = landscape.descent(&landscape.start(), setup.steps)?;
    let decade = 10f64.ln();
    let top = landscape.bounds[0].1;
    // Axes in decades relative to α_max.
    let scaled = |l: &[f64]| ((l[0] - top) / decade, (l[1] - top) / decade);
    println!(
        "{} features, {} train / {} validation rows, noise σ = {}; log10 α/α_max:",
        setup.p, setup.n_train, setup.n_val, setup.noise
    );
    let (g, d) = (grid.best(), descent.best());
    let (ga1, ga2) = scaled(&g.log_alpha);
    let (da1, da2) = scaled(&d.log_alpha);
    println!(
        "grid {0}×{0}: best held-out MSE {1:.4} at ({ga1:.3}, {ga2:.3}), {2} evaluations",
        setup.grid,
        g.value,
        grid.steps.len()
    );
    println!(
        "gradient descent: best {:.4} at ({da1:.3}, {da2:.3}), {} evaluations ({:?})",
        d.value,
        descent.steps.len(),
        descent.stop
    );
    let first = descent.steps.iter().position(|s| s.value <= g.value);
    println!("descent at or below the grid's best from evaluation {first:?}");
    println!(
        "{:>4} {:>10} {:>10} {:>10} {:>10}",
        "k", "log10 α₁", "log10 α₂", "MSE", "‖∇h‖"
    );
    for (k, s) in descent.steps.iter().enumerate() {
        let (a1, a2) = scaled(&s.log_alpha);
        println!(
            "{k:>4} {a1:>10.3} {a2:>10.3} {:>10.4} {:>10.3e}",
            s.value, s.grad_norm
        );
    }
    let path = plot::output_folder()?.join("elastic_net_levels.svg");
    draw(&path, &grid, &descent, setup.grid, scaled)?;
    println!("plot written to {}", path.display());
    Ok(())
}

/// A colour from dark blue (low error) to yellow (high), `t ∈ [0, 1]`.
fn color(t: f64) -> RGBColor {
    let stops = [
        (40.0, 30.0, 110.0),
        (30.0, 140.0, 140.0),
        (250.0, 230.0, 80.0),
    ];
    let x = t.clamp(0.0, 1.0) * 2.0;
    let (i, f) = ((x.floor() as usize).min(1), x - x.floor().min(1.0));
    let (a, b) = (stops[i], stops[i + 1]);
    let mix = |u: f64, v: f64| (u + (v - u) * f) as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The grid as cells coloured by the band of MSE they fall in, the grid points, and the
/// descent's path.
fn draw(
    path: &Path,
    grid: &Trajectory,
    descent: &Trajectory,
    points: usize,
    scaled: impl Fn(&[f64]) -> (f64, f64),
) -> Result<(), Box<dyn Error>> {
    let cells: Vec<((f64, f64), f64)> = grid
        .steps
        .iter()
        .map(|s| (scaled(&s.log_alpha), s.value))
        .collect();
    let xs = cells.iter().map(|c| c.0 .0);
    let ys = cells.iter().map(|c| c.0 .1);
    let (x0, x1) = xs.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    let (y0, y1) = ys.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    let (hx, hy) = (
        (x1 - x0) / (points - 1) as f64 / 2.0,
        (y1 - y0) / (points - 1) as f64 / 2.0,
    );
    let root = SVGBackend::new(path, (640, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("Elastic net: held-out MSE level sets", ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x0 - hx..x1 + hx, y0 - hy..y1 + hy)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("log10 α₁/α_max")
        .y_desc("log10 α₂/α_max")
        .draw()?;
    // Bands of equal area (quantiles of the MSE), so that the basin shows its shape.
    let mut sorted: Vec<f64> = cells.iter().map(|c| c.1).collect();
    sorted.sort_by(f64::total_cmp);
    let band = |v: f64| {
        let rank = sorted.partition_point(|&s| s < v);
        (rank * LEVELS / sorted.len()) as f64 / (LEVELS - 1) as f64
    };
    chart.draw_series(cells.iter().map(|&((x, y), v)| {
        Rectangle::new(
            [(x - hx, y - hy), (x + hx, y + hy)],
            color(band(v)).filled(),
        )
    }))?;
    let dots = cells
        .iter()
        .map(|&(p, _)| Circle::new(p, 1, BLACK.mix(0.5).filled()));
    chart
        .draw_series(dots)?
        .label("grid")
        .legend(|(x, y)| Circle::new((x + 10, y), 2, BLACK.filled()));
    let route: Vec<(f64, f64)> = descent.steps.iter().map(|s| scaled(&s.log_alpha)).collect();
    chart
        .draw_series(LineSeries::new(route.clone(), RED.stroke_width(2)))?
        .label("gradient descent")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], RED.stroke_width(2)));
    chart.draw_series(route.iter().map(|&p| Circle::new(p, 3, RED.filled())))?;
    let best = scaled(&grid.best().log_alpha);
    chart
        .draw_series([Cross::new(best, 7, WHITE.stroke_width(3))])?
        .label("grid's best")
        .legend(|(x, y)| Cross::new((x + 10, y), 5, BLACK.stroke_width(2)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
