//! Small SVG line charts for the gallery examples (plotters' SVG backend): one or more panels
//! of curves, a linear or logarithmic y axis, vertical markers, and the folder handling every
//! example shares. Included by each example with `#[path]`.
#![allow(dead_code)] // each example uses a subset

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::error::Error;
use std::path::{Path, PathBuf};

/// The folder given as the first argument, or `target/figures`, created if needed.
pub fn output_folder() -> Result<PathBuf, Box<dyn Error>> {
    let folder = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("target/figures"), PathBuf::from);
    std::fs::create_dir_all(&folder)?;
    Ok(folder)
}

/// A curve: `(x, y)` points joined by a line, or dots, or both.
pub struct Series {
    pub label: String,
    pub color: RGBColor,
    pub points: Vec<(f64, f64)>,
    pub line: bool,
    pub dots: bool,
}

impl Series {
    pub fn line(label: &str, color: RGBColor, points: Vec<(f64, f64)>) -> Self {
        Self {
            label: label.to_string(),
            color,
            points,
            line: true,
            dots: false,
        }
    }

    pub fn dots(label: &str, color: RGBColor, points: Vec<(f64, f64)>) -> Self {
        Self {
            line: false,
            dots: true,
            ..Self::line(label, color, points)
        }
    }

    pub fn line_and_dots(label: &str, color: RGBColor, points: Vec<(f64, f64)>) -> Self {
        Self {
            dots: true,
            ..Self::line(label, color, points)
        }
    }
}

/// The points whose x is at most `dense`, then every `stride`-th one, and the last: fewer
/// points in the SVG where a curve is smooth.
pub fn thin(points: Vec<(f64, f64)>, dense: f64, stride: usize) -> Vec<(f64, f64)> {
    let last = points.len().saturating_sub(1);
    points
        .into_iter()
        .enumerate()
        .filter(|&(i, (x, _))| x <= dense || i % stride.max(1) == 0 || i == last)
        .map(|(_, p)| p)
        .collect()
}

/// One chart: its curves, axis labels, scale and vertical markers `(x, label)`.
pub struct Panel {
    pub caption: String,
    pub x_desc: String,
    pub y_desc: String,
    pub log_y: bool,
    /// The y range; points outside are not drawn (default: every finite point).
    pub y_range: Option<(f64, f64)>,
    pub series: Vec<Series>,
    pub markers: Vec<(f64, String)>,
}

/// The panels stacked vertically in one SVG of `width × (height · panels)` pixels.
pub fn save(path: &Path, width: u32, height: u32, panels: &[Panel]) -> Result<(), Box<dyn Error>> {
    let rows = panels.len().max(1);
    let root = SVGBackend::new(path, (width, height * rows as u32)).into_drawing_area();
    root.fill(&WHITE)?;
    for (area, panel) in root.split_evenly((rows, 1)).iter().zip(panels) {
        draw(area, panel)?;
    }
    root.present()?;
    Ok(())
}

/// The bounds of every point, padded by 5 % (linear) or a factor 2 (logarithmic, positive
/// values only).
fn bounds(panel: &Panel, log: bool) -> ((f64, f64), (f64, f64)) {
    let points = panel.series.iter().flat_map(|s| s.points.iter());
    let usable = |&&(x, y): &&(f64, f64)| x.is_finite() && y.is_finite() && (!log || y > 0.0);
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in points.filter(usable) {
        (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
    }
    for &(x, _) in &panel.markers {
        (x0, x1) = (x0.min(x), x1.max(x));
    }
    if log {
        ((x0, x1), (y0 / 2.0, y1 * 2.0))
    } else {
        let pad = 0.05 * (y1 - y0).max(1e-12);
        ((x0, x1), (y0 - pad, y1 + pad))
    }
}

/// A tick label without float noise (0.30000000000000004 → 0.3).
fn tick(v: &f64) -> String {
    format!("{}", (v * 1e6).round() / 1e6)
}

fn draw(area: &DrawingArea<SVGBackend<'_>, Shift>, panel: &Panel) -> Result<(), Box<dyn Error>> {
    let ((x0, x1), auto) = bounds(panel, panel.log_y);
    let (y0, y1) = panel.y_range.unwrap_or(auto);
    let mut builder = ChartBuilder::on(area);
    builder
        .caption(&panel.caption, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70);
    if panel.log_y {
        let mut chart = builder.build_cartesian_2d(x0..x1, (y0..y1).log_scale())?;
        chart
            .configure_mesh()
            .max_light_lines(0)
            .x_desc(&panel.x_desc)
            .y_desc(&panel.y_desc)
            .x_label_formatter(&tick)
            .y_label_formatter(&|v| format!("{v:.0e}"))
            .draw()?;
        fill(&mut chart, panel, (y0, y1))
    } else {
        let mut chart = builder.build_cartesian_2d(x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .max_light_lines(0)
            .x_desc(&panel.x_desc)
            .y_desc(&panel.y_desc)
            .x_label_formatter(&tick)
            .y_label_formatter(&tick)
            .draw()?;
        fill(&mut chart, panel, (y0, y1))
    }
}

fn fill<'a, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, Cartesian2d<RangedCoordf64, Y>>,
    panel: &Panel,
    (y0, y1): (f64, f64),
) -> Result<(), Box<dyn Error>> {
    let kept = |&(x, y): &(f64, f64)| x.is_finite() && y.is_finite() && y >= y0 && y <= y1;
    for s in &panel.series {
        let color = s.color;
        let points: Vec<(f64, f64)> = s.points.iter().copied().filter(kept).collect();
        if s.line {
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?
                .label(s.label.as_str())
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2))
                });
        } else {
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))?
                .label(s.label.as_str())
                .legend(move |(x, y)| Circle::new((x + 10, y), 3, color.filled()));
        }
        if s.line && s.dots {
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
        }
    }
    for (x, label) in &panel.markers {
        let grey = BLACK.mix(0.45);
        chart
            .draw_series(LineSeries::new([(*x, y0), (*x, y1)], grey))?
            .label(label.as_str())
            .legend(move |(px, py)| PathElement::new([(px, py), (px + 20, py)], grey));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}
