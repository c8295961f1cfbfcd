//! The curse of unrolling (seed 003) on a Lasso: the error of the Jacobian estimate
//! ∂x_k/∂log α against the exact one, iteration by iteration, for
//!
//! - forward unrolling (differentiate the iterates x_{k+1} = T(x_k, θ) of coordinate descent
//!   from x_0 = 0): the error grows while the support is being identified, then decays
//!   linearly;
//! - FPAD (iterate J_{k+1} = ∂ₓT(x*) J_k + ∂_θT(x*) at the solution): linear from the start;
//! - implicit-forward (the same recursion restricted to the support of x*).
//!
//! The exact Jacobian comes from implicit differentiation (BiCGSTAB on the support, relative
//! residual 1e-14).
//!
//! Then one-step differentiation (seed 004) on ridge-penalized logistic regression: the
//! derivative of the last step only, `∂_θT(x_k, θ)`, along the iterates of gradient descent
//! (biased: it stalls at ‖(I − ∂ₓT)⁻¹ − I‖·‖∂_θT‖) and of Newton's method (exact in the limit:
//! ∂ₓT(x*) = 0 for the undamped Newton step).
//!
//! Prints the tables and writes `target/jacobian_convergence.svg` and
//! `target/one_step.svg` (or into the folder given as first argument).
//!
//! Run: `cargo run --release --example jacobian_convergence`.

use hypergrad::ad::{Dual, Scalar};
use hypergrad::bilevel::{
    hypergradient_warm, HeldOutLogistic, HeldOutMse, LinearSolver, Method, Options, WarmStart,
};
use hypergrad::optim::solvers::{GradientStep, NewtonStep};
use hypergrad::optim::{Design, FixedPointMap, Lasso, Logistic, Objective};
use ndarray::{Array1, Array2};
use plotters::prelude::*;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use std::error::Error;
use std::path::PathBuf;

const ITERATIONS: usize = 150;
/// α = α_max / DIVISOR: small enough that identifying the support takes a while.
const DIVISOR: f64 = 50.0;
const FLOOR: f64 = 1e-16;

fn lasso_problem() -> (Lasso, HeldOutMse, f64) {
    let (n, p) = (50, 100);
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let mut normal = || rng.sample::<f64, _>(StandardNormal);
    let x = Array2::from_shape_fn((n, p), |_| normal());
    let y = Array1::from_shape_fn(n, |i| {
        x[[i, 0]] - 2.0 * x[[i, 1]] + x[[i, 2]] + 0.5 * normal()
    });
    let lasso = Lasso::new(Design::dense(x.clone()).unwrap(), y.view()).unwrap();
    let theta = (lasso.alpha_max() / DIVISOR).ln();
    let val = HeldOutMse::new(Design::dense(x).unwrap(), y.view()).unwrap();
    (lasso, val, theta)
}

fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

/// ‖J_k − J*‖ along the iterates x_k from 0 (forward unrolling), and whether supp(x_k) is
/// already supp(x*).
fn forward_unrolling(
    lasso: &Lasso,
    theta: f64,
    exact: &[f64],
    support: &[bool],
) -> Vec<(f64, bool)> {
    let p = lasso.dim_x();
    let mut x = vec![Dual::constant(0.0); p];
    let mut next = x.clone();
    let td = [Dual::variable(theta)];
    (0..ITERATIONS)
        .map(|_| {
            lasso.apply(&x, &td, &mut next);
            std::mem::swap(&mut x, &mut next);
            let j: Vec<f64> = x.iter().map(|d| d.eps).collect();
            let identified = x.iter().zip(support).all(|(d, &s)| (d.re != 0.0) == s);
            (distance(&j, exact), identified)
        })
        .collect()
}

/// ‖J_k − J*‖ for J_{k+1} = P(∂ₓT(x*) J_k + ∂_θT(x*)), `P` the restriction to `mask` if any.
fn fixed_point_recursion(
    lasso: &Lasso,
    x_star: &[f64],
    theta: f64,
    exact: &[f64],
    mask: Option<&[bool]>,
) -> Vec<f64> {
    let p = lasso.dim_x();
    let mut j = vec![0.0; p];
    let mut xd = vec![Dual::constant(0.0); p];
    let mut out = xd.clone();
    let td = [Dual::variable(theta)];
    (0..ITERATIONS)
        .map(|_| {
            for ((d, &v), &t) in xd.iter_mut().zip(x_star).zip(&j) {
                *d = Dual::new(v, t);
            }
            lasso.apply(&xd, &td, &mut out);
            for (k, (jk, o)) in j.iter_mut().zip(&out).enumerate() {
                *jk = if mask.is_none_or(|m| m[k]) {
                    o.eps
                } else {
                    0.0
                };
            }
            distance(&j, exact)
        })
        .collect()
}

fn plot(
    path: &PathBuf,
    caption: &str,
    x_desc: &str,
    curves: &[(&str, RGBColor, Vec<f64>)],
    identified_at: Option<usize>,
) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(path, (800, 520)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(1..ITERATIONS, (FLOOR..1e3).log_scale())?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc("‖J_k − J*‖")
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .draw()?;
    for (label, color, errors) in curves {
        let color = *color;
        chart
            .draw_series(LineSeries::new(
                errors
                    .iter()
                    .enumerate()
                    .map(|(k, &e)| (k + 1, e.max(FLOOR))),
                color.stroke_width(2),
            ))?
            .label(*label)
            .legend(move |(px, py)| PathElement::new([(px, py), (px + 20, py)], color));
    }
    if let Some(k) = identified_at {
        let grey = BLACK.mix(0.4);
        chart
            .draw_series(LineSeries::new([(k, FLOOR), (k, 1e3)], grey))?
            .label("support identified")
            .legend(move |(px, py)| PathElement::new([(px, py), (px + 20, py)], grey));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

/// `logistic(x) + e^θ/2 ‖x‖²`.
struct RidgeLogistic {
    loss: Logistic,
}

impl Objective for RidgeLogistic {
    fn dim(&self) -> usize {
        self.loss.n_features()
    }
    fn dim_theta(&self) -> usize {
        1
    }
    fn value<S: Scalar>(&self, x: &[S], theta: &[S]) -> S {
        let squared: S = x.iter().map(|&v| v * v).sum();
        self.loss.value(x) + theta[0].exp() * squared * S::from_f64(0.5)
    }
}

/// ‖∂_θT(x_k, θ) − J*‖ along the iterates x_{k+1} = T(x_k, θ) from 0.
fn one_step_errors<M: FixedPointMap>(map: &M, theta: f64, exact: &[f64]) -> Vec<f64> {
    let p = map.dim_x();
    let (mut x, mut next) = (vec![0.0; p], vec![0.0; p]);
    let mut xd = vec![Dual::constant(0.0); p];
    let mut out = xd.clone();
    let td = [Dual::variable(theta)];
    (0..ITERATIONS)
        .map(|_| {
            xd.iter_mut()
                .zip(&x)
                .for_each(|(d, &v)| *d = Dual::constant(v));
            map.apply(&xd, &td, &mut out);
            let j: Vec<f64> = out.iter().map(|d| d.eps).collect();
            map.apply(&x, &[theta], &mut next);
            std::mem::swap(&mut x, &mut next);
            distance(&j, exact)
        })
        .collect()
}

fn one_step(folder: &std::path::Path) -> Result<(), Box<dyn Error>> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let (n, p) = (80, 8);
    let a = Array2::from_shape_fn((n, p), |_| rng.sample::<f64, _>(StandardNormal));
    let y = Array1::from_shape_fn(n, |i| {
        (a[[i, 0]] - a[[i, 1]] + 0.8 * rng.sample::<f64, _>(StandardNormal)).signum()
    });
    let objective = RidgeLogistic {
        loss: Logistic::new(Design::dense(a.clone())?, y.view())?,
    };
    let criterion = HeldOutLogistic::new(Design::dense(a)?, y.view())?;
    let theta = 0.05_f64.ln();
    let options = Options {
        inner_tol: 1e-14,
        jacobian_tol: 1e-14,
        ..Options::default()
    };
    let newton = NewtonStep {
        objective: &objective,
    };
    let mut warm = WarmStart::default();
    let implicit = Method::Implicit {
        linear_solver: LinearSolver::Bicgstab,
    };
    hypergradient_warm(
        &newton,
        &criterion,
        &[theta],
        &implicit,
        &options,
        &mut warm,
    )?;
    let exact = warm
        .jacobian
        .take()
        .expect("implicit differentiation stores the Jacobian")
        .remove(0);
    let gd = GradientStep {
        objective: &objective,
        step: 1.0 / (objective.loss.lipschitz() + theta.exp()),
    };
    let by_gd = one_step_errors(&gd, theta, &exact);
    let by_newton = one_step_errors(&newton, theta, &exact);
    println!("\nOne-step Jacobian error ‖∂_θT(x_k) − J*‖, ridge-logistic 80×8 at α = 0.05:");
    println!("{:>4}  {:>16}  {:>16}", "k", "gradient descent", "Newton");
    for k in (0..ITERATIONS).filter(|k| k % 20 == 0 || *k < 6) {
        println!("{:>4}  {:>16.3e}  {:>16.3e}", k + 1, by_gd[k], by_newton[k]);
    }
    let path = folder.join("one_step.svg");
    let curves = [
        ("gradient descent", RED, by_gd),
        ("Newton", BLUE, by_newton),
    ];
    plot(
        &path,
        "One-step Jacobian error vs iteration",
        "iteration k",
        &curves,
        None,
    )?;
    println!("plot written to {}", path.display());
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let (lasso, criterion, theta) = lasso_problem();
    let options = Options {
        inner_tol: 1e-15,
        jacobian_tol: 1e-14,
        ..Options::default()
    };
    let mut warm = WarmStart::default();
    let implicit = Method::Implicit {
        linear_solver: LinearSolver::Bicgstab,
    };
    let h = hypergradient_warm(&lasso, &criterion, &[theta], &implicit, &options, &mut warm)?;
    let exact = warm
        .jacobian
        .take()
        .expect("implicit differentiation stores the Jacobian")
        .remove(0);
    let support: Vec<bool> = h.x.iter().map(|v| *v != 0.0).collect();
    println!(
        "Lasso 50×100 at α = α_max/{DIVISOR}: |S| = {}, non-degeneracy margin {:.3e}, dh/dlogα = {:.6e}",
        h.diagnostics.support_size.unwrap_or(0),
        h.diagnostics.margin.unwrap_or(f64::NAN),
        h.grad[0]
    );
    let unrolled = forward_unrolling(&lasso, theta, &exact, &support);
    let fpad = fixed_point_recursion(&lasso, &h.x, theta, &exact, None);
    let restricted = fixed_point_recursion(&lasso, &h.x, theta, &exact, Some(&support));
    let identified_at = (0..ITERATIONS)
        .find(|&k| unrolled[k..].iter().all(|(_, ok)| *ok))
        .map(|k| k + 1);
    match identified_at {
        Some(k) => println!("support of x_k equals supp(x*) from iteration {k} on"),
        None => println!("support not identified within {ITERATIONS} iterations"),
    }
    println!(
        "{:>4}  {:>14}  {:>14}  {:>17}",
        "k", "forward unroll", "FPAD", "implicit-forward"
    );
    for k in (0..ITERATIONS).filter(|k| k % 10 == 0 || *k < 8) {
        println!(
            "{:>4}  {:>14.3e}  {:>14.3e}  {:>17.3e}",
            k + 1,
            unrolled[k].0,
            fpad[k],
            restricted[k]
        );
    }
    let folder = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("target"), PathBuf::from);
    std::fs::create_dir_all(&folder)?;
    let path = folder.join("jacobian_convergence.svg");
    let curves = [
        (
            "forward unrolling",
            RED,
            unrolled.iter().map(|(e, _)| *e).collect(),
        ),
        ("FPAD (at x*)", BLUE, fpad),
        ("implicit-forward (support)", GREEN, restricted),
    ];
    plot(
        &path,
        "Lasso: Jacobian error vs iteration",
        "iteration k (coordinate-descent sweeps)",
        &curves,
        identified_at,
    )?;
    println!("plot written to {}", path.display());
    one_step(&folder)
}
