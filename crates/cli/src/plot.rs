//! `--plot FILE.svg`: the criterion against the hyperparameter with the outer trajectory on it
//! (left), and the best criterion so far against time for the method and the baseline (right).

use hypergrad::bilevel::outer::Trajectory;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

type Error = Box<dyn std::error::Error>;

/// What the plot shows: the method's run, the baseline (if any) and their names.
pub struct Figure<'a> {
    /// The outer run.
    pub run: &'a Trajectory,
    /// Its label (method / optimizer).
    pub label: String,
    /// The baseline search over the same range: the criterion curve for one hyperparameter.
    pub grid: Option<&'a Trajectory>,
    /// The criterion's name, for the axis.
    pub criterion: String,
}

/// One curve of a panel: points, name, colour, and whether each point gets a dot.
struct Series {
    label: String,
    points: Vec<(f64, f64)>,
    color: RGBColor,
    dots: bool,
}

const RED: RGBColor = RGBColor(200, 30, 30);

/// `[min, max]` of the finite values, padded by 5 %.
fn range(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return 0.0..1.0;
    }
    let pad = ((hi - lo) * 0.05).max(hi.abs().max(1.0) * 1e-9);
    lo - pad..hi + pad
}

/// Draws `series` on `area` with linear axes fitted to the points.
fn panel(
    area: &DrawingArea<SVGBackend, Shift>,
    caption: &str,
    axes: (&str, &str),
    series: &[Series],
) -> Result<(), Error> {
    let x = range(series.iter().flat_map(|s| s.points.iter().map(|p| p.0)));
    let y = range(series.iter().flat_map(|s| s.points.iter().map(|p| p.1)));
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(70)
        .build_cartesian_2d(x, y)?;
    chart
        .configure_mesh()
        .x_desc(axes.0)
        .y_desc(axes.1)
        .draw()?;
    for s in series {
        let color = s.color;
        chart
            .draw_series(LineSeries::new(s.points.clone(), color.stroke_width(2)))?
            .label(s.label.as_str())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color));
        if s.dots {
            chart.draw_series(s.points.iter().map(|&p| Circle::new(p, 4, color.filled())))?;
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

/// Running minimum of the criterion against log10 seconds.
fn best_so_far(t: &Trajectory) -> Vec<(f64, f64)> {
    let mut best = f64::INFINITY;
    t.steps
        .iter()
        .map(|s| {
            best = best.min(s.value);
            (s.seconds.max(1e-6).log10(), best)
        })
        .collect()
}

impl Figure<'_> {
    /// Writes the SVG to `path`.
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        let root = SVGBackend::new(path, (1100, 440)).into_drawing_area();
        root.fill(&WHITE)?;
        let (left, right) = root.split_horizontally(560);
        let mut time = vec![Series {
            label: self.label.clone(),
            points: best_so_far(self.run),
            color: RED,
            dots: false,
        }];
        time.extend(self.grid.map(|g| Series {
            label: "baseline".into(),
            points: best_so_far(g),
            color: BLACK,
            dots: false,
        }));
        let (caption, x_axis, criterion) = self.criterion_series();
        panel(&left, &caption, (x_axis, &self.criterion), &criterion)?;
        let caption = "best criterion so far vs time";
        panel(&right, caption, ("log10 seconds", &self.criterion), &time)?;
        root.present()
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(())
    }

    /// One hyperparameter: the baseline as the curve against log10 α, the run's points on it.
    /// Several: the run's criterion per evaluation.
    fn criterion_series(&self) -> (String, &'static str, Vec<Series>) {
        let one = self
            .run
            .steps
            .first()
            .is_some_and(|s| s.log_alpha.len() == 1);
        let points = |t: &Trajectory| -> Vec<(f64, f64)> {
            t.steps
                .iter()
                .enumerate()
                .map(|(k, s)| {
                    (
                        if one {
                            s.log_alpha[0] / std::f64::consts::LN_10
                        } else {
                            k as f64
                        },
                        s.value,
                    )
                })
                .collect()
        };
        let run = Series {
            label: self.label.clone(),
            points: points(self.run),
            color: RED,
            dots: true,
        };
        if !one {
            let caption = format!("{} per evaluation", self.criterion);
            return (caption, "evaluation", vec![run]);
        }
        let mut series: Vec<Series> = self
            .grid
            .map(|g| {
                let mut curve = points(g);
                curve.sort_by(|a, b| a.0.total_cmp(&b.0));
                Series {
                    label: "baseline".into(),
                    points: curve,
                    color: BLACK,
                    dots: false,
                }
            })
            .into_iter()
            .collect();
        series.push(run);
        (
            format!("{} vs alpha", self.criterion),
            "log10 alpha",
            series,
        )
    }
}
