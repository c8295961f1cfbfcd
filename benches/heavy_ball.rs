//! A user's heavy-ball solver reversed through its iterations: ridge least squares
//! `f(x) = ‖X x − y‖²/(2n) + θ/2 ‖x‖²` on a 200×20 design, 70 steps of
//! `x⁺ = x − γ∇f(x) + β(x − x₋)`, loss `‖x_K − x*‖²` against the true coefficients, gradient in θ.
//!
//! The step is written twice, both generic over `Scalar`: with scalar loops (as a user writes it
//! without the vector operations: one tape node per multiplication) and with the vector
//! operations (`S::matvec`, `S::rmatvec`, `S::axpy`: one node per call). The table gives nodes,
//! bytes and time of a full tape, of the scalar loops on a tape that preaccumulates
//! (`Tape::clear_preaccumulating`: one node per operation of two variables), of a replay of
//! the vector-ops tape, and the `f64` solve.
//!
//! Then binomial checkpointing over K = 10⁴ steps of the vector-ops map: memory and time of the
//! full tape and of `Checkpoints::Binomial(14)` (⌈log₂ K⌉ snapshots), bit for bit the same θ̄.

use hypergrad_ad::reverse::{reverse_unrolled, Checkpoints, Recorded, Recurrence};
use hypergrad_ad::{Scalar, Tape, Var};
use ndarray::Array2;
use rand::{rngs::StdRng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

const STEPS: usize = 70;

/// The problem and the solver's constants.
struct HeavyBall {
    x: Arc<Array2<f64>>,
    y: Vec<f64>,
    truth: Vec<f64>,
    /// `γ = 1/L` with `L = ‖X‖²_F / n + θ` (a safe upper bound), and `β`.
    gamma: f64,
    beta: f64,
}

impl HeavyBall {
    fn new(n: usize, d: usize, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let x = Array2::from_shape_fn((n, d), |_| StandardNormal.sample(&mut rng));
        let truth: Vec<f64> = (0..d).map(|j| (j as f64 * 0.7).sin()).collect();
        let y = (0..n)
            .map(|i| {
                let noise: f64 = StandardNormal.sample(&mut rng);
                (0..d).map(|j| x[[i, j]] * truth[j]).sum::<f64>() + 0.1 * noise
            })
            .collect();
        let frob = x.iter().map(|v| v * v).sum::<f64>() / n as f64;
        Self {
            x: Arc::new(x),
            y,
            truth,
            gamma: 1.0 / (frob + 1.0),
            beta: 0.5,
        }
    }

    /// One step on the state `(x, x₋)` (length 2d), scalar loops.
    fn step_scalar<S: Scalar>(&self, state: &[S], theta: S, out: &mut [S]) {
        let (n, d) = self.x.dim();
        let (x, prev) = state.split_at(d);
        let r: Vec<S> = (0..n)
            .map(|i| (0..d).fold(S::zero(), |acc, j| acc + x[j] * self.x[[i, j]]) - self.y[i])
            .collect();
        for j in 0..d {
            let g = (0..n).fold(S::zero(), |acc, i| acc + r[i] * self.x[[i, j]]) / n as f64
                + theta * x[j];
            out[j] = x[j] - g * self.gamma + (x[j] - prev[j]) * self.beta;
            out[d + j] = x[j];
        }
    }

    /// The same step with vector operations.
    fn step_vec<S: Scalar>(&self, state: &[S], theta: S, out: &mut [S]) {
        let (n, d) = self.x.dim();
        let (x, prev) = state.split_at(d);
        let mut r = vec![S::zero(); n];
        S::matvec(&self.x, x, &mut r);
        for (ri, &yi) in r.iter_mut().zip(&self.y) {
            *ri = *ri - yi;
        }
        let (next, last) = out.split_at_mut(d);
        // g = Xᵀr/n + θx; x⁺ = (1 + β)x − βx₋ − γg.
        let mut g = vec![S::zero(); d];
        S::rmatvec(&self.x, &r, &mut g);
        S::axpy(theta * (n as f64), x, &mut g);
        next.copy_from_slice(x);
        S::axpy(S::from_f64(-self.gamma / n as f64), &g, next);
        let mut momentum = x.to_vec();
        S::axpy(S::from_f64(-1.0), prev, &mut momentum);
        S::axpy(S::from_f64(self.beta), &momentum, next);
        last.copy_from_slice(x);
    }

    /// `‖x − x*‖²` of the leading `d` entries.
    fn loss<S: Scalar>(&self, state: &[S]) -> S {
        let d = self.truth.len();
        let diff: Vec<S> = state[..d]
            .iter()
            .zip(&self.truth)
            .map(|(&a, &t)| a - t)
            .collect();
        S::norm_sq(&diff)
    }

    /// The loss after `steps` steps from 0, with the step chosen by `vector`.
    fn solve<S: Scalar>(&self, theta: S, steps: usize, vector: bool) -> S {
        let d = self.truth.len();
        let (mut s, mut out) = (vec![S::zero(); 2 * d], vec![S::zero(); 2 * d]);
        for _ in 0..steps {
            if vector {
                self.step_vec(&s, theta, &mut out);
            } else {
                self.step_scalar(&s, theta, &mut out);
            }
            std::mem::swap(&mut s, &mut out);
        }
        self.loss(&s)
    }
}

/// The vector-ops step as a recurrence for `reverse_unrolled`.
struct VecStep<'a>(&'a HeavyBall);
impl Recurrence<f64> for VecStep<'_> {
    fn step<'t>(
        &self,
        _k: usize,
        _: &'t Tape<f64>,
        x: &[Var<'t, f64>],
        th: &[Var<'t, f64>],
        out: &mut [Var<'t, f64>],
    ) {
        self.0.step_vec(x, th[0], out);
    }
}

/// Best-of-5 seconds of `f`.
fn seconds<R>(mut f: impl FnMut() -> R) -> f64 {
    (0..5)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let p = HeavyBall::new(200, 20, 7);
    let theta = 0.1;
    let base = seconds(|| p.solve(black_box(theta), STEPS, true));
    println!("\nheavy ball, 200×20, {STEPS} steps, dL/dθ at θ = {theta}");
    println!(
        "{:<26} {:>9} {:>8} {:>10} {:>12} {:>14}",
        "method", "ms", "× f64", "nodes", "bytes", "dL/dθ"
    );
    println!("{:<26} {:>9.3} {:>8.1}", "f64 solve", base * 1e3, 1.0);
    let mut reference = None;
    for (name, vector, preaccumulate) in [
        ("full tape, scalar loops", false, false),
        ("preaccumulated, scalar", false, true),
        ("full tape, vector ops", true, false),
    ] {
        let mut tape = Tape::new();
        let run = |tape: &mut Tape<f64>| {
            if preaccumulate {
                tape.clear_preaccumulating();
            } else {
                tape.clear();
            }
            let t: &Tape<f64> = tape;
            let th = t.var(theta);
            let l = p.solve(th, STEPS, vector);
            t.gradient(l, &[th]).expect("same tape")[0]
        };
        let g = run(&mut tape);
        let stats = tape.memory();
        // The two steps sum in different orders: 1e-10 relative.
        let r = *reference.get_or_insert(g);
        assert!((g - r).abs() <= 1e-10 * r.abs(), "{g} vs {r}");
        let t = seconds(|| run(&mut tape));
        println!(
            "{name:<26} {:>9.3} {:>8.1} {:>10} {:>12} {g:>14.9e}",
            t * 1e3,
            t / base,
            stats.nodes,
            stats.bytes
        );
    }
    let mut rec = Recorded::new(|_, th| p.solve(th[0], STEPS, true), &[theta]);
    let mut g = [0.0];
    rec.gradient(&[theta], &mut g).expect("replayable");
    let t = seconds(|| rec.gradient(&[theta], &mut g));
    println!(
        "{:<26} {:>9.3} {:>8.1} {:>10} {:>12} {:>14.9e}",
        "replay, vector ops",
        t * 1e3,
        t / base,
        rec.memory().nodes,
        rec.memory().bytes,
        g[0]
    );

    // K = 10⁴ steps: full tape vs binomial checkpointing.
    let k = 10_000;
    let x0 = vec![0.0; 40];
    let mut tape = Tape::new();
    let mut run = |cp| {
        reverse_unrolled(&mut tape, &VecStep(&p), &x0, &[theta], k, cp, |x, _| {
            p.loss(x)
        })
        .expect("a valid budget")
    };
    let full = run(Checkpoints::Full);
    let binomial = run(Checkpoints::Binomial(14));
    assert_eq!(full.theta_bar[0].to_bits(), binomial.theta_bar[0].to_bits());
    let base = seconds(|| p.solve(black_box(theta), k, true));
    println!("\nK = {k} steps of the vector-ops heavy ball (state of 40 numbers)");
    println!(
        "{:<16} {:>9} {:>8} {:>14} {:>8} {:>15}",
        "checkpoints", "ms", "× f64", "peak tape B", "states", "recorded steps"
    );
    for (name, cp, r) in [
        ("full", Checkpoints::Full, &full),
        ("binomial(14)", Checkpoints::Binomial(14), &binomial),
    ] {
        let t = seconds(|| run(cp));
        println!(
            "{name:<16} {:>9.2} {:>8.1} {:>14} {:>8} {:>15}",
            t * 1e3,
            t / base,
            r.peak_tape.bytes,
            r.stored_states,
            r.recorded_steps
        );
    }
}
