//! Replay: a program recorded once and evaluated again at new inputs gives the values and the
//! gradient a fresh recording at those inputs gives, bit for bit; a recording that branched on a
//! value refuses to replay.

use hypergrad_ad::elementwise::SoftThreshold;
use hypergrad_ad::{AdError, Scalar, Tape, Var};
use ndarray::Array2;
use proptest::prelude::*;
use std::sync::Arc;

/// A straight-line program over every replayable operation (operands taken modulo the
/// registers so far); the output sums the last three registers.
fn program<S: Scalar>(code: &[(u8, usize, usize)], x: &[S]) -> S {
    let mut r: Vec<S> = x.to_vec();
    for &(op, i, j) in code {
        let (a, b) = (r[i % r.len()], r[j % r.len()]);
        let one = S::one();
        let v = match op % 24 {
            0 => a + b,
            1 => a - b,
            2 => a * b,
            3 => a / (one + b * b),
            4 => a.sin() * 2.0,
            5 => -a.cos() + 0.5,
            6 => a.tanh().exp() - 1.0,
            7 => (a * a + 1.0).ln(),
            8 => (a * a + 1.0).sqrt() / 3.0,
            9 => a.atan(),
            10 => a.powi(3),
            11 => a.hypot(b + 2.0),
            12 => a.max(b),
            13 => a.min(b * 0.5),
            14 => (a * a + 1.0).powf(b.tanh()),
            15 => (a * a + 1.0).powf(S::from_f64(0.7)),
            16 => a.abs() + b.floor(),
            17 => (a * a + 1.0).recip(),
            18 => S::from_f64(2.0) - a,
            19 => S::from_f64(1.0) / (a * a + 2.0),
            20 => a.sinh().atan() * b.cos(),
            21 => a.scale(S::Real::from_f64(0.25)),
            22 => a.atan2(b + 3.0),
            _ => (a.exp_m1() * 0.1).cbrt(),
        };
        r.push(v);
    }
    r.iter().rev().take(3).copied().sum()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn replay_equals_a_fresh_recording(
        code in prop::collection::vec((0u8..24, any::<usize>(), any::<usize>()), 1..40),
        x in prop::collection::vec(-2.0..2.0_f64, 3),
        y in prop::collection::vec(-2.0..2.0_f64, 3),
    ) {
        // Recorded at x, replayed at y.
        let tape = Tape::new();
        let xs = tape.vars(&x);
        let out = program(&code, &xs);
        tape.replay(&xs, &y).unwrap();
        let replayed = tape.value(out);
        let g = tape.gradient(out, &xs).unwrap();
        // Recorded at y.
        let fresh = Tape::new();
        let ys = fresh.vars(&y);
        let out2 = program(&code, &ys);
        let g2 = fresh.gradient(out2, &ys).unwrap();
        let bits = |v: &[f64]| v.iter().map(|a| a.to_bits()).collect::<Vec<_>>();
        prop_assert_eq!(replayed.to_bits(), out2.primal().to_bits());
        prop_assert_eq!(bits(&g), bits(&g2));
    }
}

/// ISTA with vector operations: `x⁺ = st(x − γAᵀ(Ax − b), γθ)`, 30 steps from x = 0, loss ‖x‖².
fn ista<S: Scalar>(a: &Arc<Array2<f64>>, b: &[f64], theta: S) -> S {
    let (m, n) = (a.nrows(), a.ncols());
    let gamma = 0.1;
    let mut x = vec![S::zero(); n];
    let (mut r, mut g) = (vec![S::zero(); m], vec![S::zero(); n]);
    for _ in 0..30 {
        S::matvec(a, &x, &mut r);
        for (ri, &bi) in r.iter_mut().zip(b) {
            *ri = *ri - bi;
        }
        S::rmatvec(a, &r, &mut g);
        S::axpy(S::from_f64(-gamma), &g, &mut x);
        let mut next = vec![S::zero(); n];
        S::map_slice(&SoftThreshold::default(), &x, &[theta * gamma], &mut next);
        x = next;
    }
    S::norm_sq(&x)
}

#[test]
fn ista_tapes_replay_across_support_changes() {
    let a = Arc::new(Array2::from_shape_fn((6, 8), |(i, j)| {
        ((3 * i + 5 * j) as f64 * 0.61).sin()
    }));
    let b: Vec<f64> = (0..6).map(|i| (i as f64 * 0.9).cos()).collect();
    let tape = Tape::new();
    let th = tape.var(0.05);
    let loss = ista(&a, &b, th);
    // Small θ keeps most coefficients, large θ few: the support changes between the points.
    for theta in [0.05, 0.3, 1.0, 2.5] {
        tape.replay(&[th], &[theta]).unwrap();
        let g = tape.gradient(loss, &[th]).unwrap();
        let (v, g2) = hypergrad_ad::reverse::gradient(|t| ista(&a, &b, t[0]), &[theta]);
        assert_eq!(tape.value(loss).to_bits(), v.to_bits(), "θ = {theta}");
        assert_eq!(g[0].to_bits(), g2[0].to_bits(), "θ = {theta}");
    }
}

#[test]
fn a_branch_on_a_value_blocks_replay() {
    let tape = Tape::new();
    let x = tape.var(1.0);
    let y = if x > Var::constant(0.0) { x * x } else { -x };
    assert!(matches!(
        tape.replay(&[x], &[-1.0]),
        Err(AdError::NotReplayable { .. })
    ));
    let _ = y;
    // A custom node too.
    let t2 = Tape::new();
    let z = t2.var(2.0);
    let _ = t2.custom(&[z], 4.0, &[4.0]).unwrap();
    assert!(matches!(
        t2.replay(&[z], &[3.0]),
        Err(AdError::NotReplayable { .. })
    ));
    // A constant is not an input.
    let t3 = Tape::new();
    let w = t3.var(1.0);
    assert_eq!(
        t3.replay(&[Var::constant(1.0)], &[2.0]),
        Err(AdError::InvalidInput)
    );
    let _ = w;
}

/// A weighted Lasso prox step with per-feature weights `wⱼ = e^{θⱼ}`:
/// `x⁺ = st(x − γ(x − c), τ w)` five times, loss `Σ x²` (soft-thresholding by `map_zip`).
fn weighted<S: Scalar>(theta: &[S], lasso: bool) -> S {
    let c = [1.5, -0.4, 0.9, -2.0];
    let w: Vec<S> = theta.iter().map(|t| t.exp()).collect();
    let mut x = vec![S::zero(); 4];
    for _ in 0..5 {
        let z: Vec<S> = x
            .iter()
            .zip(c)
            .map(|(&xi, ci)| xi - (xi - ci) * 0.5)
            .collect();
        let mut next = vec![S::zero(); 4];
        if lasso {
            hypergrad_ad::nonsmooth::weighted_soft_threshold(&z, S::from_f64(0.3), &w, &mut next);
        } else {
            for j in 0..4 {
                next[j] = hypergrad_ad::nonsmooth::soft_threshold(z[j], w[j] * 0.3);
            }
        }
        x = next;
    }
    S::norm_sq(&x)
}

#[test]
fn per_entry_thresholds_replay_and_match_the_scalar_primitive() {
    let tape = Tape::new();
    let th = tape.vars(&[0.0, 0.5, -1.0, 1.0]);
    let loss = weighted(&th, true);
    for theta in [
        [0.0, 0.5, -1.0, 1.0],
        [1.2, -0.3, 0.4, 2.5],
        [-2.0, 1.5, 0.0, -0.5],
    ] {
        tape.replay(&th, &theta).unwrap();
        let g = tape.gradient(loss, &th).unwrap();
        // The scalar primitive on a fresh tape of operations: the same nodes, bit for bit.
        let fresh = Tape::new();
        let ts = fresh.vars(&theta);
        let scalar = weighted(&ts, false);
        let g2 = fresh.gradient(scalar, &ts).unwrap();
        assert_eq!(tape.value(loss), scalar.primal(), "θ = {theta:?}");
        assert_eq!(g, g2, "θ = {theta:?}");
        // The driver preaccumulates (products of the same partials, grouped differently) and
        // forward mode sums them in another order: both within 1e-14 relative.
        let (_, gd) = hypergrad_ad::reverse::gradient(|t| weighted(t, false), &theta);
        let (_, gf) = hypergrad_ad::forward::gradient(|t| weighted(t, true), &theta);
        for other in [&gd, &gf] {
            for (a, b) in other.iter().zip(&g) {
                assert!(
                    (a - b).abs() <= 1e-14 * b.abs().max(1.0),
                    "{other:?} vs {g:?}"
                );
            }
        }
    }
}

#[test]
fn recorded_functions_get_the_tape() {
    // The closure uses the tape's own composite API; gradients at new points by replay.
    let a = ndarray::array![[1.0, 2.0], [3.0, -1.0]];
    let mut rec = hypergrad_ad::reverse::Recorded::new(
        |tape, x| {
            let m = tape.matrix(a.view());
            let y = tape.matvec(&m, x).unwrap();
            tape.dot_vars(&y, &y).unwrap()
        },
        &[1.0, 1.0],
    );
    rec.replayable().unwrap();
    let mut g = [0.0; 2];
    // f = ‖A x‖², ∇f = 2AᵀA x; at (1, −2): A x = (−3, 5), ∇f = 2(−3 + 15, −6 − 5) = (24, −22).
    let v = rec.gradient(&[1.0, -2.0], &mut g).unwrap();
    assert_eq!((v, g), (34.0, [24.0, -22.0]));
    assert!(matches!(
        rec.gradient(&[1.0], &mut g),
        Err(AdError::LengthMismatch { .. })
    ));
}
