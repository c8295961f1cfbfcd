//! The weighted Lasso by hypergradient vs the Lasso (seed 001; Bertrand et al. 2022): one
//! penalty per feature (60 hyperparameters) fitted by L-BFGS on the hypergradient of the
//! held-out error, against the Lasso's single α chosen on the same held-out set; both judged on
//! a test set neither has seen. Then both again under scikit-learn's `LassoCV` protocol (5-fold
//! cross-validation on the training and validation rows together, refit on all of them).
//!
//! Run: `cargo run --release --example weighted_lasso [folder]` (default `target/figures`);
//! writes `weighted_lasso.svg` and prints the numbers it plots.

#[path = "../shared/data.rs"]
mod data;
#[path = "../shared/plot.rs"]
mod plot;
mod problem;

use hypergrad::optim::{Design, WeightedLasso};
use plot::{Panel, Series};
use plotters::prelude::*;
use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let setup = &problem::FIGURE;
    let split = problem::split(setup, 0);
    let lasso = problem::lasso(&split)?;
    let wlasso = problem::weighted_lasso(&split, lasso.log_alpha[0], setup.evaluations)?;
    println!(
        "{} features (6 non-zero), {} train / {} validation / {} test rows, noise σ = {}",
        setup.p, setup.n_train, setup.n_val, setup.n_test, setup.noise
    );
    let nonzeros = |b: &[f64]| b.iter().filter(|v| **v != 0.0).count();
    for (name, s) in [("Lasso", &lasso), ("weighted Lasso", &wlasso)] {
        println!(
            "{name:>15}: validation MSE {:.4}, test MSE {:.4}, {} non-zeros, {} evaluations",
            s.validation,
            s.test,
            nonzeros(&s.beta),
            s.trajectory.steps.len()
        );
    }
    println!(
        "test MSE, weighted / Lasso: {:.4} (noise floor σ² = {:.2})",
        wlasso.test / lasso.test,
        setup.noise * setup.noise
    );
    // The same comparison under scikit-learn's LassoCV protocol (5-fold CV on train +
    // validation, refit on both), for both models.
    let lasso_cv = problem::lasso_cv(&split)?;
    let wlasso_cv = problem::weighted_lasso_cv(&split, lasso_cv.log_alpha[0], setup.evaluations)?;
    for (name, s) in [("Lasso CV", &lasso_cv), ("weighted CV", &wlasso_cv)] {
        println!(
            "{name:>15}: test MSE {:.4}, {} non-zeros (5-fold CV, refit on train + validation)",
            s.test,
            nonzeros(&s.beta)
        );
    }
    println!(
        "test MSE, weighted CV / Lasso CV: {:.4}",
        wlasso_cv.test / lasso_cv.test
    );
    // The test error of every L-BFGS iterate.
    let model = WeightedLasso::new(Design::dense(split.train.0.clone())?, split.train.1.view())?;
    let (xt, yt) = &split.test;
    let mut validation = Vec::new();
    let mut test = Vec::new();
    println!("{:>5} {:>12} {:>12}", "eval", "validation", "test");
    for (k, step) in wlasso.trajectory.steps.iter().enumerate() {
        let beta = problem::solve(&model, &step.log_alpha)?;
        let t = data::mse(xt, yt, &beta);
        validation.push((k as f64, step.value));
        test.push((k as f64, t));
        if k % 5 == 0 || k + 1 == wlasso.trajectory.steps.len() {
            println!("{k:>5} {:>12.4} {t:>12.4}", step.value);
        }
    }
    let last = validation.len().saturating_sub(1) as f64;
    let flat = |v: f64| vec![(0.0, v), (last, v)];
    // The non-zero coefficients only.
    let coefficients = |b: &[f64]| {
        let nonzero = b.iter().enumerate().filter(|(_, v)| **v != 0.0);
        nonzero.map(|(j, &v)| (j as f64, v)).collect()
    };
    let panels = [
        Panel {
            caption: "Weighted Lasso (60 hyperparameters) vs Lasso".into(),
            x_desc: "L-BFGS evaluations (weighted Lasso)".into(),
            y_desc: "mean squared error".into(),
            log_y: false,
            y_range: None,
            series: vec![
                Series::line(
                    "weighted Lasso, validation",
                    RGBColor(240, 150, 150),
                    validation,
                ),
                Series::line("weighted Lasso, test", RED, test),
                Series::line(
                    "Lasso, validation",
                    RGBColor(150, 160, 240),
                    flat(lasso.validation),
                ),
                Series::line("Lasso, test", BLUE, flat(lasso.test)),
            ],
            markers: Vec::new(),
        },
        Panel {
            caption: "non-zero coefficients".into(),
            x_desc: "feature".into(),
            y_desc: "β_j".into(),
            log_y: false,
            y_range: None,
            series: vec![
                Series::dots(
                    "true",
                    BLACK,
                    coefficients(split.beta.as_slice().unwrap_or(&[])),
                ),
                Series::dots("Lasso", BLUE, coefficients(&lasso.beta)),
                Series::dots("weighted Lasso", RED, coefficients(&wlasso.beta)),
            ],
            markers: Vec::new(),
        },
    ];
    let path = plot::output_folder()?.join("weighted_lasso.svg");
    plot::save(&path, 760, 380, &panels)?;
    println!("plot written to {}", path.display());
    Ok(())
}
