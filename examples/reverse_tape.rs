//! Reverse mode by hand: record f(x₁, x₂, x₃) = (x₁x₂ + e^{x₃}, x₁x₂ − ln x₃) at (1, 2, 3) on a
//! tape, print the tape, run the adjoint sweep line by line for the output weights (1, 0) and
//! (0, 1) to get the two Jacobian rows, replay the recording at another point, count the nodes
//! of a vector program written with scalar operations, with vector operations and on a tape
//! that preaccumulates (what `reverse::gradient` records on), then compare the cost of forward
//! and reverse Jacobians.
//!
//! Run with `cargo run --release --example reverse_tape`.

use hypergrad_ad::{reverse, Dual, Scalar, Tape, Var};
use num_traits::Float;
use std::time::Instant;

/// The teaching function, written once for every scalar type.
fn f<S: Scalar>(x: &[S]) -> Vec<S> {
    let v = x[0] * x[1];
    vec![v + x[2].exp(), v - x[2].ln()]
}

/// The adjoint sweep printed line by line: v̄ starts at the output weights, then each node
/// (last first) pushes v̄ᵢ·∂vᵢ/∂vⱼ to its operands vⱼ.
fn sweep_by_hand(tape: &Tape<f64>, outputs: &[usize], weights: [f64; 2]) -> Vec<f64> {
    let mut adj = vec![0.0; tape.len() + 1];
    for (o, w) in outputs.iter().zip(weights) {
        adj[*o] += w;
        println!("  v̄{o} = {w}");
    }
    for i in (1..=tape.len()).rev() {
        for (j, d) in tape.node(i).expect("recorded node") {
            adj[j] += adj[i] * d;
            println!(
                "  v̄{j} += v̄{i} · ∂v{i}/∂v{j} = {} · {d:.6} → v̄{j} = {:.6}",
                adj[i], adj[j]
            );
        }
    }
    adj[1..4].to_vec()
}

fn main() {
    let x = [1.0, 2.0, 3.0];
    let tape = Tape::new();
    let xs = tape.vars(&x);
    let v4 = xs[0] * xs[1];
    let v5 = xs[2].exp();
    let y1 = v4 + v5;
    let v7 = xs[2].ln();
    let y2 = v4 - v7;
    let named: [(&str, Var<f64>); 8] = [
        ("x1 (input)", xs[0]),
        ("x2 (input)", xs[1]),
        ("x3 (input)", xs[2]),
        ("x1 · x2", v4),
        ("exp(x3)", v5),
        ("y1 = v4 + v5", y1),
        ("ln(x3)", v7),
        ("y2 = v4 − v7", y2),
    ];
    println!("The tape (node, operation, value, operands with local partials):");
    for (name, v) in named {
        let i = v.index().expect("recorded");
        let ops: Vec<String> = tape
            .node(i)
            .unwrap()
            .iter()
            .map(|(j, d)| format!("∂/∂v{j} = {d:.6}"))
            .collect();
        println!(
            "  v{i}  {name:<14} = {:>10.6}   {}",
            v.primal(),
            ops.join(", ")
        );
    }
    println!("\nThe same tape as `Display` prints it:\n{tape}");

    let outs = [y1.index().unwrap(), y2.index().unwrap()];
    let closed = [[x[1], x[0], x[2].exp()], [x[1], x[0], -1.0 / x[2]]];
    for (row, w) in [[1.0, 0.0], [0.0, 1.0]].into_iter().enumerate() {
        println!("Adjoint sweep for output weights {w:?}:");
        let by_hand = sweep_by_hand(&tape, &outs, w);
        tape.reverse(&[(y1, w[0]), (y2, w[1])]).unwrap();
        let by_tape: Vec<f64> = xs.iter().map(|v| tape.adjoint(*v)).collect();
        println!("  Jacobian row {}: {by_hand:?}", row + 1);
        println!(
            "  closed form    : {:?}   (tape.reverse: {by_tape:?})\n",
            closed[row]
        );
        assert_eq!(by_hand, by_tape);
        assert!(by_hand
            .iter()
            .zip(closed[row])
            .all(|(a, b)| (a - b).abs() < 1e-15));
    }

    let (_, jac) = reverse::jacobian(|v| f(v), &x);
    println!("reverse::jacobian on the generic f gives the same rows:\n{jac}\n");
    assert!((jac[[1, 2]] + 1.0 / 3.0).abs() < 1e-15);

    replay_and_vector_nodes();
    modes_table();
}

/// A tape replayed at a new point gives the gradient a fresh recording gives; the vector
/// operations record one node per call.
fn replay_and_vector_nodes() {
    let tape = Tape::new();
    let xs = tape.vars(&[1.0, 2.0, 3.0]);
    let y = f(&xs)[0];
    tape.replay(&xs, &[0.5, -1.0, 2.0]).unwrap();
    let g = tape.gradient(y, &xs).unwrap();
    // ∇(x₁x₂ + e^{x₃}) = (x₂, x₁, e^{x₃}) at (0.5, −1, 2).
    println!(
        "replayed at (0.5, −1, 2): y₁ = {:.6}, ∇y₁ = {g:?}",
        tape.value(y)
    );
    assert_eq!(g, vec![-1.0, 0.5, 2.0_f64.exp()]);

    let a: Vec<f64> = (0..100).map(|i| (i as f64 * 0.1).sin()).collect();
    let scalar = Tape::new();
    let x = scalar.vars(&a);
    let _ = x.iter().zip(&a).map(|(&xi, &ai)| xi * ai).sum::<Var<f64>>();
    let vector = Tape::new();
    let x = vector.vars(&a);
    let _ = Scalar::dot_const(&x, &a);
    // Preaccumulating: xᵢ·aᵢ is a weight on the node xᵢ (no node); each sum of two variables
    // is one node whose partials are the weights.
    let mut pre = Tape::new();
    pre.clear_preaccumulating();
    let x = pre.vars(&a);
    let _ = x.iter().zip(&a).map(|(&xi, &ai)| xi * ai).sum::<Var<f64>>();
    println!(
        "Σ aᵢxᵢ over 100 inputs: {} nodes with scalar operations, {} with S::dot_const, \
         {} with scalar operations on a preaccumulating tape\n",
        scalar.len() - 100,
        vector.len() - 100,
        pre.len() - 100
    );
}

/// A generated map ℝⁿ → ℝᵐ: `yᵢ = Σⱼ sin((i + 1)·xⱼ) · x_{(i + j) mod n}`.
fn generated<S: Scalar>(x: &[S], m: usize) -> Vec<S> {
    let n = x.len();
    (0..m)
        .map(|i| {
            let c = S::from_f64((i + 1) as f64);
            (0..n).map(|j| (x[j] * c).sin() * x[(i + j) % n]).sum()
        })
        .collect()
}

/// Jacobian by forward mode: `n` passes, one per input direction (column `k` of `J` is `J eₖ`),
/// O(1) extra memory. Returned column by column.
fn forward_jacobian_columns(x: &[f64], m: usize) -> Vec<Vec<f64>> {
    (0..x.len())
        .map(|k| {
            let xd: Vec<Dual<f64>> = x
                .iter()
                .enumerate()
                .map(|(j, &v)| Dual::new(v, if j == k { 1.0 } else { 0.0 }))
                .collect();
            generated(&xd, m).iter().map(|y| y.eps).collect()
        })
        .collect()
}

/// Best-of-3 milliseconds of `f`.
fn millis<R>(mut f: impl FnMut() -> R) -> (f64, R) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..3 {
        let t = Instant::now();
        out = Some(f());
        best = best.min(t.elapsed().as_secs_f64() * 1e3);
    }
    (best, out.expect("ran three times"))
}

fn modes_table() {
    println!("Jacobian of yᵢ = Σⱼ sin((i+1)xⱼ)·x_(i+j mod n), ℝⁿ → ℝᵐ (release build, best of 3):");
    println!(
        "{:>5} {:>5} | {:>8} {:>10} | {:>8} {:>10} {:>12}",
        "n", "m", "fwd pass", "fwd ms", "rev pass", "rev ms", "tape bytes"
    );
    for (n, m) in [(200, 1), (200, 10), (10, 200), (100, 100)] {
        let x: Vec<f64> = (0..n).map(|j| 0.1 + 0.01 * j as f64).collect();
        let (t_fwd, jf) = millis(|| forward_jacobian_columns(&x, m));
        let (t_rev, jr) = millis(|| reverse::jacobian(|v| generated(v, m), &x).1);
        let tape = Tape::new();
        let _ = generated(&tape.vars(&x), m);
        let bytes = tape.memory().bytes;
        let worst = (0..m)
            .flat_map(|i| (0..n).map(move |j| (i, j)))
            .map(|(i, j)| (jf[j][i] - jr[[i, j]]).abs())
            .fold(0.0, f64::max);
        assert!(worst < 1e-12, "modes disagree by {worst}");
        println!("{n:>5} {m:>5} | {n:>8} {t_fwd:>10.3} | {m:>8} {t_rev:>10.3} {bytes:>12}");
    }
    println!("Forward needs n passes and O(1) memory; reverse needs one recording + m sweeps and");
    println!("keeps the whole tape: reverse wins when m ≪ n (gradients), forward when n ≪ m.");
}
