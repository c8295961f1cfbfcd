//! A learned regularizer (seed 002, Ochs): the weights of a smoothed 1-D total variation, one
//! per edge, learned by bilevel optimization (L-BFGS on the implicit hypergradient) on 8
//! noisy/clean training pairs whose jumps sit at multiples of 16, against the best single
//! weight on a grid; both judged on 8 held-out pairs.
//!
//! Run: `cargo run --release --example learned_tv`.

mod model;

use hypergrad::bilevel::BilevelError;
use model::{learn, mse, signals, WeightedTv};

fn main() -> Result<(), BilevelError> {
    let (len, period, sigma, eps) = (64, 16, 0.3, 0.1);
    let (noisy, clean) = signals(8, len, period, sigma, 1);
    let (noisy_test, clean_test) = signals(8, len, period, sigma, 2);
    let train = WeightedTv { noisy, len, eps };
    let test = WeightedTv {
        noisy: noisy_test,
        len,
        eps,
    };
    let (scalar, learned) = learn(&train, &clean)?;
    let raw = |x: &[f64], c: &[f64]| {
        0.5 * x.iter().zip(c).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / c.len() as f64
    };
    println!(
        "8 + 8 signal pairs of {len} samples, jumps every {period}, noise σ = {sigma}, ε = {eps}"
    );
    println!("{:<28} {:>12} {:>12}", "", "train MSE", "held-out MSE");
    println!(
        "{:<28} {:>12.5} {:>12.5}",
        "noisy input",
        raw(&train.noisy, &clean),
        raw(&test.noisy, &clean_test)
    );
    println!(
        "{:<28} {:>12.5} {:>12.5}",
        format!("best single weight e^{:.2}", scalar[0]),
        mse(&train, &clean, &scalar)?,
        mse(&test, &clean_test, &scalar)?
    );
    println!(
        "{:<28} {:>12.5} {:>12.5}",
        "learned weight per edge",
        mse(&train, &clean, &learned)?,
        mse(&test, &clean_test, &learned)?
    );
    let (mut at_jumps, mut elsewhere) = (Vec::new(), Vec::new());
    for (k, t) in learned.iter().enumerate() {
        if (k + 1) % period == 0 {
            at_jumps.push(t.exp())
        } else {
            elsewhere.push(t.exp())
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    println!(
        "learned weights: mean {:.4} on the {} edges with jumps, {:.4} on the others",
        mean(&at_jumps),
        at_jumps.len(),
        mean(&elsewhere)
    );
    Ok(())
}
