//! Forward mode by hand: push a tangent through f(x₁, x₂, x₃) = (x₁x₂ + e^{x₃}, x₁x₂ − ln x₃) at
//! (1, 2, 3), one intermediate at a time, then build the 2×3 Jacobian with three `Dual` passes
//! and with one `DualVec<_, 3>` pass, and check both against the closed form
//! J = [[x₂, x₁, e^{x₃}], [x₂, x₁, −1/x₃]].
//!
//! Run with `cargo run --release --example forward_tangent`. Exits non-zero if an AD Jacobian
//! differs from the closed form by more than 1e-15.

use hypergrad::ad::{forward, Dual, DualVec, Float, Scalar};
use std::process::ExitCode;

/// The function, written once for every scalar type.
fn f<S: Scalar>(x: &[S]) -> Vec<S> {
    let v1 = x[0] * x[1];
    vec![v1 + x[2].exp(), v1 - x[2].ln()]
}

/// The evaluation trace with its tangent trace, printed line by line: each `vᵢ` is a `Dual`
/// whose `eps` is `dvᵢ`, the derivative along the seed direction `dx`.
fn trace(x: [f64; 3], dx: [f64; 3]) -> [Dual<f64>; 2] {
    let [x1, x2, x3] = [0, 1, 2].map(|i| Dual::new(x[i], dx[i]));
    let row = |v: &str, def: &str, val: Dual<f64>, rule: &str, numbers: String| {
        println!(
            "  {v} = {def:<8} = {:>9.6}    d{v} = {rule:<16} = {numbers:<17} = {:>9.6}",
            val.re, val.eps
        );
    };
    for (name, v) in [("x1", x1), ("x2", x2), ("x3", x3)] {
        println!("  {name}{:>23.6}    d{name} (seed){:>44.6}", v.re, v.eps);
    }
    let v1 = x1 * x2;
    let n1 = format!("{}·{} + {}·{}", x1.eps, x2.re, x1.re, x2.eps);
    row("v1", "x1·x2", v1, "dx1·x2 + x1·dx2", n1);
    let v2 = x3.exp();
    row(
        "v2",
        "exp(x3)",
        v2,
        "exp(x3)·dx3",
        format!("{:.4}·{}", v2.re, x3.eps),
    );
    let v3 = x3.ln();
    row(
        "v3",
        "ln(x3)",
        v3,
        "dx3 / x3",
        format!("{} / {}", x3.eps, x3.re),
    );
    let v4 = v1 + v2;
    row(
        "v4",
        "v1 + v2",
        v4,
        "dv1 + dv2",
        format!("{} + {}", v1.eps, v2.eps),
    );
    let v5 = v1 - v3;
    row(
        "v5",
        "v1 − v3",
        v5,
        "dv1 − dv3",
        format!("{} − {}", v1.eps, v3.eps),
    );
    [v4, v5]
}

/// Prints a 2×3 matrix, one row per line.
fn print_matrix(name: &str, m: &[[f64; 3]; 2]) {
    for (i, r) in m.iter().enumerate() {
        let label = if i == 0 { name } else { "" };
        println!(
            "  {label:<9} [{:>10.6} {:>10.6} {:>10.6} ]",
            r[0], r[1], r[2]
        );
    }
}

/// `max |aᵢⱼ − bᵢⱼ|`.
fn max_abs_diff(a: &[[f64; 3]; 2], b: &[[f64; 3]; 2]) -> f64 {
    a.iter()
        .flatten()
        .zip(b.iter().flatten())
        .map(|(p, q)| (p - q).abs())
        .fold(0.0, f64::max)
}

fn main() -> ExitCode {
    let x = [1.0, 2.0, 3.0];
    println!("f(x1, x2, x3) = (x1·x2 + exp(x3), x1·x2 − ln(x3)) at x = {x:?}");
    println!("\nEvaluation and tangent trace for the seed direction dx = (1, 0, 0):");
    let [y1, y2] = trace(x, [1.0, 0.0, 0.0]);
    println!(
        "  → f(x) = ({:.6}, {:.6}), ∂f/∂x1 = ({}, {})",
        y1.re, y2.re, y1.eps, y2.eps
    );

    // Three Dual passes: pass j seeds eⱼ and yields column j.
    let columns = [0, 1, 2].map(|j| {
        let xs: Vec<Dual<f64>> = (0..3)
            .map(|i| Dual::new(x[i], if i == j { 1.0 } else { 0.0 }))
            .collect();
        f(&xs).iter().map(|yi| yi.eps).collect::<Vec<_>>()
    });
    let by_dual = [0, 1].map(|i| columns.clone().map(|c| c[i]));
    // One DualVec<_, 3> pass: lane j carries eⱼ, so every column comes out at once.
    let xs: Vec<DualVec<f64, 3>> = (0..3).map(|i| DualVec::variable(x[i], i)).collect();
    let ys = f(&xs);
    let by_dual_vec = [ys[0].eps, ys[1].eps];
    // The library driver does the same seeding (in chunks of `forward::CHUNK` lanes).
    let (_, jac) = forward::jacobian(f, &x).expect("f returns two outputs on every pass");
    let by_driver = [0, 1].map(|i| [0, 1, 2].map(|j| jac[[i, j]]));

    let [x1, x2, x3] = x;
    let closed = [[x2, x1, x3.exp()], [x2, x1, -1.0 / x3]];

    println!("\nJacobian J = ∂f/∂x:");
    print_matrix("3 × Dual", &by_dual);
    print_matrix("DualVec", &by_dual_vec);
    print_matrix("closed", &closed);

    let tolerance = 1e-15;
    let mut ok = true;
    for (name, j) in [
        ("3 Dual passes", &by_dual),
        ("1 DualVec<_, 3> pass", &by_dual_vec),
        ("forward::jacobian", &by_driver),
    ] {
        let d = max_abs_diff(j, &closed);
        let verdict = if d <= tolerance { "ok" } else { "FAIL" };
        println!("  max |{name} − closed form| = {d:.1e}  [{verdict}]");
        ok &= d <= tolerance;
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
