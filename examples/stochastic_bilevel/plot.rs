//! The convergence curves: `h(θ) − h*` against time and against samples evaluated, one row of
//! two panels per problem.

use crate::race::Curve;
use plotters::prelude::*;
use std::error::Error;
use std::path::Path;

/// The smallest gap drawn (log scale).
const FLOOR: f64 = 1e-7;

pub struct Panel {
    pub title: String,
    pub curves: Vec<Curve>,
    pub best: f64,
}

pub fn plot(path: &Path, panels: &[Panel]) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(path, (1100, 360 * panels.len() as u32)).into_drawing_area();
    root.fill(&WHITE)?;
    let rows = root.split_evenly((panels.len(), 2));
    let colors = [BLUE, RED, GREEN];
    for (k, panel) in panels.iter().enumerate() {
        for (column, by_time) in [true, false].into_iter().enumerate() {
            let area = &rows[2 * k + column];
            let x_of = |p: &crate::race::Point| {
                if by_time {
                    p.seconds.max(1e-4)
                } else {
                    (p.samples as f64).max(1.0)
                }
            };
            let points = || panel.curves.iter().flat_map(|c| c.points.iter());
            let x_max = points().map(x_of).fold(1e-3, f64::max) * 1.5;
            let x_min = points().map(x_of).fold(f64::INFINITY, f64::min).max(1e-4);
            let y_max = points()
                .map(|p| p.criterion - panel.best)
                .fold(FLOOR, f64::max)
                * 2.0;
            let x_label = if by_time {
                "seconds"
            } else {
                "samples evaluated"
            };
            let mut chart = ChartBuilder::on(area)
                .caption(&panel.title, ("sans-serif", 15))
                .margin(10)
                .x_label_area_size(35)
                .y_label_area_size(60)
                .build_cartesian_2d((x_min..x_max).log_scale(), (FLOOR..y_max).log_scale())?;
            chart
                .configure_mesh()
                .x_desc(x_label)
                .y_desc("h(θ) − h*")
                .y_label_formatter(&|v| format!("{v:.0e}"))
                .x_label_formatter(&|v| format!("{v:.0e}"))
                .draw()?;
            for (curve, color) in panel.curves.iter().zip(colors) {
                let line = curve
                    .points
                    .iter()
                    .map(|p| (x_of(p), (p.criterion - panel.best).max(FLOOR)));
                chart
                    .draw_series(LineSeries::new(line, color.stroke_width(2)))?
                    .label(curve.label)
                    .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color));
            }
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()?;
        }
    }
    root.present()?;
    Ok(())
}
