//! A deep-equilibrium classifier (seed 003) trained three ways — implicit differentiation at
//! the equilibrium, backpropagation through the forward iterations, Jacobian-free
//! backpropagation — on three noisy concentric rings (no linear classifier separates them).
//!
//! Run: `cargo run --release --example deq`.

mod model;

use model::{accuracy, rings, spectral_norm, train, Deq, Training};

fn main() {
    let (hidden, classes, steps, lr) = (8, 3, 150, 0.05);
    let (x, labels) = rings(90, 1);
    let (x_test, labels_test) = rings(300, 2);
    let deq = Deq { x, hidden, classes };
    let test = Deq {
        x: x_test,
        hidden,
        classes,
    };
    // ‖W‖₂ = 1.3 at the start: the layer does not contract, and the safeguard must act.
    let theta0 = deq.init(7, 1.3);
    println!(
        "DEQ z = tanh(Wz + Ux + b), h = {hidden}, {} parameters, 90 training / 300 test points, \
         {steps} Adam steps (lr {lr}), ‖W₀‖₂ = {:.2}",
        deq.n_params(),
        spectral_norm(&theta0[..hidden * hidden], hidden)
    );
    println!(
        "{:<14} {:>10} {:>10} {:>10} {:>10} {:>9} {:>8} {:>8} {:>8}",
        "training",
        "loss₀",
        "loss",
        "train acc",
        "test acc",
        "seconds",
        "fallback",
        "rescale",
        "max ρ"
    );
    for mode in [
        Training::Implicit,
        Training::Unrolled,
        Training::JacobianFree,
    ] {
        let mut theta = theta0.clone();
        let report = train(&deq, &labels, &mut theta, mode, steps, lr);
        println!(
            "{:<14} {:>10.4} {:>10.4} {:>10.3} {:>10.3} {:>9.2} {:>8} {:>8} {:>8.3}",
            format!("{mode:?}"),
            report.losses[0],
            report.losses.last().copied().unwrap_or(f64::NAN),
            accuracy(&deq.predict(&theta), &labels),
            accuracy(&test.predict(&theta), &labels_test),
            report.seconds,
            report.fallbacks,
            report.rescales,
            report.max_rho,
        );
        println!(
            "               ‖W‖₂ at the end {:.3}",
            spectral_norm(&theta[..hidden * hidden], hidden)
        );
    }
}
