//! Checkpointed reversal of a loop equals the full tape bit for bit, and both match finite
//! differences.

use hypergrad_ad::nonsmooth::soft_threshold;
use hypergrad_ad::reverse::{
    reverse_unrolled, reverse_unrolled_with, Checkpoints, Recurrence, Unroll,
};
use hypergrad_ad::AdError;
use hypergrad_ad::{Scalar, Tape, Var};

/// A non-linear, non-smooth step on ℝ³ with θ ∈ ℝ²:
/// `x⁺ᵢ = st(xᵢ − 0.1·(sin(xᵢ₊₁)·θ₀ + xᵢ³), 0.001·θ₁) + 0.01`, indices cyclic.
fn step<S: Scalar>(x: &[S], theta: &[S], out: &mut [S]) {
    let n = x.len();
    for i in 0..n {
        let g = x[(i + 1) % n].sin() * theta[0] + x[i].powi(3);
        let z = x[i] - g * S::from_f64(0.1);
        out[i] = soft_threshold(z, theta[1] * S::from_f64(0.001)) + S::from_f64(0.01);
    }
}

struct Step;
impl Recurrence<f64> for Step {
    fn step<'t>(
        &self,
        _k: usize,
        _: &'t Tape<f64>,
        x: &[Var<'t, f64>],
        th: &[Var<'t, f64>],
        out: &mut [Var<'t, f64>],
    ) {
        step(x, th, out);
    }
}

/// `L(x, θ) = Σ xᵢ² + θ₀`.
fn loss<S: Scalar>(x: &[S], theta: &[S]) -> S {
    x.iter().map(|v| *v * *v).sum::<S>() + theta[0]
}

fn unrolled_value(x0: &[f64], theta: &[f64], k: usize) -> f64 {
    let mut x = x0.to_vec();
    let mut out = vec![0.0; x.len()];
    for _ in 0..k {
        step(&x, theta, &mut out);
        std::mem::swap(&mut x, &mut out);
    }
    loss(&x, theta)
}

const X0: [f64; 3] = [0.8, -0.5, 0.3];
const THETA: [f64; 2] = [0.7, 2.0];

#[test]
fn checkpointed_equals_full_tape_bit_for_bit() {
    let k = 1000;
    let mut tape = Tape::new();
    let full = reverse_unrolled(
        &mut tape,
        &Step,
        &X0,
        &THETA,
        k,
        Checkpoints::Full,
        |x, t| loss(x, t),
    )
    .unwrap();
    assert_eq!(full.stored_states, 1);
    assert_eq!(full.recorded_steps, k);
    for cp in [
        Checkpoints::Uniform,
        Checkpoints::Budget(7),
        Checkpoints::Budget(1000),
        Checkpoints::Budget(5000),
        Checkpoints::Binomial(1),
        Checkpoints::Binomial(3),
        Checkpoints::Binomial(10),
    ] {
        let c = reverse_unrolled(&mut tape, &Step, &X0, &THETA, k, cp, |x, t| loss(x, t)).unwrap();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&c.theta_bar), bits(&full.theta_bar), "{cp:?}");
        assert_eq!(bits(&c.x0_bar), bits(&full.x0_bar), "{cp:?}");
        assert_eq!(bits(&c.x_final), bits(&full.x_final), "{cp:?}");
        assert_eq!(c.loss.to_bits(), full.loss.to_bits());
        assert!(
            c.peak_tape.bytes < full.peak_tape.bytes,
            "{cp:?}: {:?} vs {:?}",
            c.peak_tape,
            full.peak_tape
        );
    }
    let u = reverse_unrolled(
        &mut tape,
        &Step,
        &X0,
        &THETA,
        k,
        Checkpoints::Uniform,
        |x, t| loss(x, t),
    )
    .unwrap();
    assert_eq!(u.stored_states, 32); // ⌈1000 / ⌈√1000⌉⌉ = ⌈1000/32⌉
    assert!(u.peak_tape.nodes * 20 < full.peak_tape.nodes);
    assert_eq!(
        reverse_unrolled(
            &mut tape,
            &Step,
            &X0,
            &THETA,
            k,
            Checkpoints::Budget(0),
            |x, t| loss(x, t)
        ),
        Err(AdError::InvalidCheckpoints)
    );
}

/// `Fit(bytes)`: the full tape when the loop's tape fits (one recording per step, one stored
/// state), else √K segments after the dropped attempt (counted in `recorded_steps` and
/// `peak_tape`); bit for bit the full tape's gradient either way.
#[test]
fn fit_is_the_full_tape_within_its_budget_and_uniform_beyond() {
    let k = 100;
    let mut tape = Tape::new();
    let mut run = |cp| reverse_unrolled(&mut tape, &Step, &X0, &THETA, k, cp, |x, t| loss(x, t));
    let full = run(Checkpoints::Full).unwrap();
    let uniform = run(Checkpoints::Uniform).unwrap();
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    let fits = run(Checkpoints::Fit(full.peak_tape.bytes)).unwrap();
    assert_eq!(fits, full);
    let budget = full.peak_tape.bytes / 4;
    let over = run(Checkpoints::Fit(budget)).unwrap();
    assert_eq!(bits(&over.theta_bar), bits(&full.theta_bar));
    assert_eq!(bits(&over.x0_bar), bits(&full.x0_bar));
    assert_eq!(over.stored_states, uniform.stored_states);
    // The attempt stopped at the first step past the budget: about a quarter of the loop.
    let attempt = over.recorded_steps - uniform.recorded_steps;
    assert!(attempt > k / 5 && attempt <= k / 4 + 1, "{attempt}");
    assert!(over.peak_tape.bytes > budget && over.peak_tape.bytes < full.peak_tape.bytes / 3);
    // A budget of no bytes is a mistake, not a request for segments.
    assert_eq!(run(Checkpoints::Fit(0)), Err(AdError::InvalidCheckpoints));
}

#[test]
fn full_tape_matches_a_recorded_program_and_finite_differences() {
    let k = 50;
    let mut tape = Tape::new();
    let r = reverse_unrolled(
        &mut tape,
        &Step,
        &X0,
        &THETA,
        k,
        Checkpoints::Uniform,
        |x, t| loss(x, t),
    )
    .unwrap();
    // Central differences, h = 1e-6: truncation O(h²·f''') ≈ 1e-12, rounding ≈ 1e-16/h = 1e-10;
    // tolerance 1e-7 leaves room for the curvature of 50 composed steps.
    let h = 1e-6;
    for j in 0..2 {
        let (mut p, mut m) = (THETA, THETA);
        p[j] += h;
        m[j] -= h;
        let fd = (unrolled_value(&X0, &p, k) - unrolled_value(&X0, &m, k)) / (2.0 * h);
        assert!(
            (r.theta_bar[j] - fd).abs() <= 1e-7 * fd.abs().max(1.0),
            "θ{j}: {} vs {fd}",
            r.theta_bar[j]
        );
    }
    for i in 0..3 {
        let (mut p, mut m) = (X0, X0);
        p[i] += h;
        m[i] -= h;
        let fd = (unrolled_value(&p, &THETA, k) - unrolled_value(&m, &THETA, k)) / (2.0 * h);
        assert!(
            (r.x0_bar[i] - fd).abs() <= 1e-7 * fd.abs().max(1.0),
            "x{i}: {} vs {fd}",
            r.x0_bar[i]
        );
    }
    assert!((r.loss - unrolled_value(&X0, &THETA, k)).abs() < 1e-14);
}

/// ISTA on a small Lasso with composite mat-vec nodes: `x⁺ = st(x − γXᵀ(Xx − y), γθ₀)`.
struct Ista {
    x: ndarray::Array2<f64>,
    y: Vec<f64>,
    gamma: f64,
}
impl Recurrence<f64> for Ista {
    fn step<'t>(
        &self,
        _k: usize,
        tape: &'t Tape<f64>,
        x: &[Var<'t, f64>],
        th: &[Var<'t, f64>],
        out: &mut [Var<'t, f64>],
    ) {
        let m = tape.matrix(self.x.view());
        let r: Vec<Var<f64>> = tape
            .matvec(&m, x)
            .unwrap()
            .iter()
            .zip(&self.y)
            .map(|(a, &b)| *a - b)
            .collect();
        let g = tape.matvec_t(&m, &r).unwrap();
        for ((o, &xj), gj) in out.iter_mut().zip(x).zip(g) {
            *o = soft_threshold(xj - gj * self.gamma, th[0] * self.gamma);
        }
    }
}

/// `Σ xᵢ²`.
fn sum_sq<S: Scalar>(x: &[S]) -> S {
    x.iter().map(|v| *v * *v).sum()
}

#[test]
fn checkpointed_composite_ista_equals_full_tape_bit_for_bit() {
    let x = ndarray::Array2::from_shape_fn((6, 8), |(i, j)| ((3 * i + 5 * j) as f64 * 0.61).sin());
    let y: Vec<f64> = (0..6).map(|i| (i as f64 * 0.9).cos()).collect();
    let ista = Ista { x, y, gamma: 0.1 };
    let x0 = [0.0; 8];
    let mut tape = Tape::new();
    let full = reverse_unrolled(
        &mut tape,
        &ista,
        &x0,
        &[0.3],
        300,
        Checkpoints::Full,
        |x, _| sum_sq(x),
    )
    .unwrap();
    assert!(full.x_final.contains(&0.0) && full.x_final.iter().any(|v| *v != 0.0));
    assert_ne!(full.theta_bar[0], 0.0);
    for cp in [
        Checkpoints::Uniform,
        Checkpoints::Budget(3),
        Checkpoints::Binomial(4),
    ] {
        let c = reverse_unrolled(&mut tape, &ista, &x0, &[0.3], 300, cp, |x, _| sum_sq(x)).unwrap();
        assert_eq!(
            c.theta_bar[0].to_bits(),
            full.theta_bar[0].to_bits(),
            "{cp:?}"
        );
        assert_eq!(
            c.x0_bar.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            full.x0_bar.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    }
}

#[test]
fn binomial_schedule_over_ten_thousand_steps() {
    // K = 10⁴ with ⌈log₂ K⌉ = 14 snapshots: bit for bit the full tape, at most 15 states held
    // (x₀ and 14 snapshots), a one-step tape, and at most (r + 1)·K recorded steps where r = 5
    // is the smallest r with C(14 + r, 14) ≥ 10⁴ (C(19, 5) = 11 628).
    let k = 10_000;
    let mut tape = Tape::new();
    let run = |tape: &mut Tape<f64>, cp| {
        reverse_unrolled(tape, &Step, &X0, &THETA, k, cp, |x, t| loss(x, t)).unwrap()
    };
    let full = run(&mut tape, Checkpoints::Full);
    let b = run(&mut tape, Checkpoints::Binomial(14));
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&b.theta_bar), bits(&full.theta_bar));
    assert_eq!(bits(&b.x0_bar), bits(&full.x0_bar));
    assert_eq!(b.loss.to_bits(), full.loss.to_bits());
    assert!(b.stored_states <= 15, "{}", b.stored_states);
    assert!(b.recorded_steps <= 6 * k, "{}", b.recorded_steps);
    assert!(b.peak_tape.nodes * 1000 < full.peak_tape.nodes);
    // One snapshot: still exact, quadratic recomputation.
    let small = reverse_unrolled(
        &mut tape,
        &Step,
        &X0,
        &THETA,
        60,
        Checkpoints::Binomial(1),
        |x, t| loss(x, t),
    )
    .unwrap();
    let reference = reverse_unrolled(
        &mut tape,
        &Step,
        &X0,
        &THETA,
        60,
        Checkpoints::Full,
        |x, t| loss(x, t),
    )
    .unwrap();
    assert_eq!(bits(&small.theta_bar), bits(&reference.theta_bar));
    assert_eq!(small.stored_states, 2);
    assert_eq!(
        reverse_unrolled(
            &mut tape,
            &Step,
            &X0,
            &THETA,
            5,
            Checkpoints::Binomial(0),
            |x, t| { loss(x, t) }
        ),
        Err(AdError::InvalidCheckpoints)
    );
}

#[test]
fn a_constant_start_records_less_and_gives_the_same_theta_gradient() {
    let mut tape = Tape::new();
    let k = 40;
    let var = reverse_unrolled(
        &mut tape,
        &Step,
        &X0,
        &THETA,
        k,
        Checkpoints::Full,
        |x, t| loss(x, t),
    )
    .unwrap();
    let options = Unroll {
        steps: k,
        checkpoints: Checkpoints::Full,
        differentiate_x0: false,
    };
    let constant =
        reverse_unrolled_with(&mut tape, &Step, &X0, &THETA, options, |x, t| loss(x, t)).unwrap();
    assert_eq!(constant.x0_bar, vec![0.0; 3]);
    assert!(constant.peak_tape.nodes < var.peak_tape.nodes);
    // The same products summed in another grouping where x₀'s nodes are missing: 1e-14.
    for (a, b) in constant.theta_bar.iter().zip(&var.theta_bar) {
        assert!((a - b).abs() <= 1e-14 * b.abs().max(1.0), "{a} vs {b}");
    }
}
