//! Numerical errors of derivatives: forward AD vs finite differences.
//!
//! f(x) = 64x(1−x)(1−2x)²(1−8x+8x²)² (the iterated logistic map). Its derivative by the
//! product rule, with a = 64x(1−x), b = (1−2x)², c = (1−8x+8x²)²:
//!
//! f'(x) = a'bc + ab'c + abc',  a' = 64(1−2x),  b' = −4(1−2x),  c' = 2(1−8x+8x²)(16x−8).
//!
//! For h = 1e-1 … 1e-15 the forward difference (f(x+h) − f(x))/h has error ≈ h/2·|f''| +
//! 2ε|f|/h and the central difference (f(x+h) − f(x−h))/2h ≈ h²/6·|f'''| + ε|f|/h: the
//! truncation error falls with h until rounding takes over, a V on a log–log plot, with its
//! bottom near h ~ √ε (forward) or ∛ε (central). Forward AD has no h: its error is rounding only.
//! Finite differences are done in f32 and in f64, forward AD in f64 (AD numbers are built on
//! `f64`: see `Scalar`); the reference is the closed form in f64 (for f32 the f32 errors dwarf
//! its rounding).
//!
//! Run with `cargo run --release --example numerical_errors [-- out.svg]`; the SVG log–log plot
//! of error vs h goes to the given path, or `target/numerical_errors.svg`.

use hypergrad::ad::{forward, Float};
use plotters::prelude::*;
use std::error::Error;
use std::path::PathBuf;

/// `c` in the float type `S`.
fn c<S: Float>(v: f64) -> S {
    S::from(v).expect("a small integer is representable")
}

/// The function, written once for every float type (plain `f32`, `f64` and AD numbers).
fn f<S: Float>(x: S) -> S {
    let one = S::one();
    let u = one - x * c(2.0);
    let q = one - x * c(8.0) + x * x * c(8.0);
    x * (one - x) * c(64.0) * u * u * q * q
}

/// The closed-form derivative (product rule, see the module docs), in f64.
fn df_closed(x: f64) -> f64 {
    let (a, da) = (64.0 * x * (1.0 - x), 64.0 * (1.0 - 2.0 * x));
    let (b, db) = ((1.0 - 2.0 * x).powi(2), -4.0 * (1.0 - 2.0 * x));
    let q = 1.0 - 8.0 * x + 8.0 * x * x;
    let (c, dc) = (q * q, 2.0 * q * (16.0 * x - 8.0));
    da * b * c + a * db * c + a * b * dc
}

/// Forward and central difference errors against `reference`, computed in the float type `S`.
fn fd_errors<S: Float>(x: f64, h: f64, reference: f64) -> (f64, f64) {
    let (xs, hs): (S, S) = (c(x), c(h));
    let forward = (f(xs + hs) - f(xs)) / hs;
    let central = (f(xs + hs) - f(xs - hs)) / (hs + hs);
    (
        (forward.to_f64().expect("finite") - reference).abs(),
        (central.to_f64().expect("finite") - reference).abs(),
    )
}

/// The error of the derivative by forward AD.
fn ad_error(x: f64, reference: f64) -> f64 {
    let (_, d) = forward::derivative(f, x);
    (d - reference).abs()
}

/// One curve per (difference, precision): errors at each h.
struct Curve {
    label: &'static str,
    color: RGBColor,
    points: Vec<(f64, f64)>,
}

/// Smallest error drawn on the log axis (exact zeros are drawn there).
const FLOOR: f64 = 1e-17;

fn plot(path: &PathBuf, x: f64, curves: &[Curve], ad: f64) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(path, (800, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("derivative error vs step h at x = {x}"),
            ("sans-serif", 22),
        )
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d((1e-15..1e-1).log_scale(), (FLOOR..1e4).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("h")
        .y_desc("|error|")
        .x_label_formatter(&|v| format!("{v:.0e}"))
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .draw()?;
    for c in curves {
        let color = c.color;
        chart
            .draw_series(LineSeries::new(
                c.points.iter().map(|&(h, e)| (h, e.max(FLOOR))),
                color.stroke_width(2),
            ))?
            .label(c.label)
            .legend(move |(px, py)| PathElement::new([(px, py), (px + 20, py)], color));
    }
    let dashed = BLUE.mix(0.5).stroke_width(1);
    chart
        .draw_series(LineSeries::new(
            [(1e-15, ad.max(FLOOR)), (1e-1, ad.max(FLOOR))],
            dashed,
        ))?
        .label("AD f64")
        .legend(move |(px, py)| PathElement::new([(px, py), (px + 20, py)], dashed));
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let path = std::env::args().nth(1).map_or_else(
        || PathBuf::from("target/numerical_errors.svg"),
        PathBuf::from,
    );
    let hs: Vec<f64> = (1..=15).map(|k| 10f64.powi(-k)).collect();

    println!("f(x) = 64x(1−x)(1−2x)²(1−8x+8x²)²; errors against the closed-form f'(x) in f64\n");
    println!("   x     f'(x) closed form    AD f64 error   best central f64 (h)");
    for x in [0.1, 0.25, 0.3, 0.77] {
        let d = df_closed(x);
        let (best_h, best) = hs
            .iter()
            .map(|&h| (h, fd_errors::<f64>(x, h, d).1))
            .fold((0.0, f64::INFINITY), |a, b| if b.1 < a.1 { b } else { a });
        println!(
            "  {x:<5} {d:>19.12}   {:>12.2e}   {best:>9.2e} ({best_h:.0e})",
            ad_error(x, d),
        );
    }

    let x = 0.3;
    let d = df_closed(x);
    println!("\nAt x = {x}, f'(x) = {d}:");
    println!("     h      forward f32    central f32    forward f64    central f64");
    let mut curves = [
        ("forward f32", RED, Vec::new()),
        ("central f32", MAGENTA, Vec::new()),
        ("forward f64", BLUE, Vec::new()),
        ("central f64", GREEN, Vec::new()),
    ];
    for &h in &hs {
        let (f32_fwd, f32_cen) = fd_errors::<f32>(x, h, d);
        let (f64_fwd, f64_cen) = fd_errors::<f64>(x, h, d);
        println!(
            "  {h:>7.0e}  {f32_fwd:>12.3e}  {f32_cen:>12.3e}  {f64_fwd:>12.3e}  {f64_cen:>12.3e}"
        );
        for (curve, e) in curves.iter_mut().zip([f32_fwd, f32_cen, f64_fwd, f64_cen]) {
            curve.2.push((h, e));
        }
    }
    let ad = ad_error(x, d);
    println!("  forward AD: f64 error {ad:.3e} (no step)");

    let curves: Vec<Curve> = curves
        .into_iter()
        .map(|(label, color, points)| Curve {
            label,
            color,
            points,
        })
        .collect();
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    plot(&path, x, &curves, ad)?;
    println!("\nplot written to {}", path.display());
    Ok(())
}
