//! A primitive with a hand-written reverse rule ([`CustomVjp`]) called from generic code: forward
//! modes differentiate its evaluation, a tape records one node and sweeps with the rule's VJP.
//! Every mode is checked against another (the evaluation recorded scalar by scalar, forward
//! mode, finite differences of the gradient), and a replay against a fresh recording.

use hypergrad_ad::nonsmooth::soft_threshold;
use hypergrad_ad::reverse::Recorded;
use hypergrad_ad::{CustomVjp, Dual, Scalar, Tape};
use std::sync::Arc;

/// g(x) = (u·x₂, sin u + x₀²) with u = st(x₀x₁ + x₂, 0.1): a branch, a product, a transcendental.
struct Step;

impl CustomVjp for Step {
    fn n_inputs(&self) -> usize {
        3
    }
    fn n_outputs(&self) -> usize {
        2
    }
    fn eval<S: Scalar>(&self, x: &[S], y: &mut [S]) {
        let u = soft_threshold(x[0] * x[1] + x[2], S::from_f64(0.1));
        y[0] = u * x[2];
        y[1] = u.sin() + x[0] * x[0];
    }
    fn vjp<S: Scalar>(&self, x: &[S], _y: &[S], ybar: &[S], xbar: &mut [S]) {
        let pre = x[0] * x[1] + x[2];
        let u = soft_threshold(pre, S::from_f64(0.1));
        let ubar = ybar[0] * x[2] + ybar[1] * u.cos();
        // The selected branch of st: slope 1 outside [−τ, τ], 0 inside (the kink rule of
        // `soft_threshold` selects 0 at |pre| = τ; these inputs stay away from it).
        let pre_bar = if pre.to_f64_value().abs() > 0.1 {
            ubar
        } else {
            S::zero()
        };
        xbar[0] = pre_bar * x[1] + ybar[1] * x[0] * 2.0;
        xbar[1] = pre_bar * x[0];
        xbar[2] = pre_bar + ybar[0] * u;
    }
}

/// h(x) = y₀y₁ + y₁ for y = g(x), through the rule (`custom`) or its evaluation as written.
fn h<S: Scalar>(x: &[S], custom: bool) -> S {
    let mut y = [S::zero(); 2];
    if custom {
        S::custom_vjp(&Arc::new(Step), x, &mut y);
    } else {
        Step.eval(x, &mut y);
    }
    y[0] * y[1] + y[1]
}

const X: [f64; 3] = [0.7, -0.4, 1.1];

fn tape_gradient(x: &[f64], custom: bool) -> (Vec<f64>, usize) {
    let tape = Tape::new();
    let v = tape.vars(x);
    let y = h(&v, custom);
    (tape.gradient(y, &v).unwrap(), tape.len())
}

#[test]
fn the_custom_node_matches_scalar_recording_and_forward_mode() {
    let (custom, nodes) = tape_gradient(&X, true);
    let (scalar, scalar_nodes) = tape_gradient(&X, false);
    assert!(nodes < scalar_nodes, "{nodes} vs {scalar_nodes} nodes");
    for k in 0..3 {
        let mut d: Vec<Dual<f64>> = X.iter().map(|&v| Dual::constant(v)).collect();
        d[k] = Dual::variable(X[k]);
        let forward = h(&d, true).eps;
        // Same local rules in another order: agreement to rounding (1e-14 relative).
        assert!((custom[k] - scalar[k]).abs() <= 1e-14 * scalar[k].abs().max(1.0));
        assert!((custom[k] - forward).abs() <= 1e-14 * forward.abs().max(1.0));
    }
}

#[test]
fn the_inactive_branch_gives_zero_through_u() {
    // x₀x₁ + x₂ = 0.05 ∈ (−0.1, 0.1): u = 0 with slope 0, so y₀ = u·x₂ = 0 and y₁ = x₀²:
    // ∇h = (2x₀, 0, 0) exactly.
    let x = [0.5, 0.1, 0.0];
    let (g, _) = tape_gradient(&x, true);
    assert_eq!(g, vec![1.0, 0.0, 0.0]);
    assert_eq!(tape_gradient(&x, false).0, g);
}

#[test]
fn a_replay_equals_a_fresh_recording() {
    let mut rec = Recorded::new(|_, x| h(x, true), &X);
    let x2 = [-0.3, 0.9, 0.2];
    let mut g = [0.0; 3];
    let value = rec.gradient(&x2, &mut g).unwrap();
    let (fresh, _) = tape_gradient(&x2, true);
    assert_eq!(g.to_vec(), fresh);
    assert_eq!(value, h(&x2, false));
}

#[test]
fn forward_over_reverse_differentiates_the_vjp() {
    // Hessian–vector product: a tape of Dual<f64> seeded with direction v; the tangent of the
    // gradient against central differences of the gradient (step 1e-6: truncation ~h²|h''''|
    // ≈ 1e-12, rounding ~ε/h ≈ 1e-10, so 1e-7 tests the rule).
    let v = [0.3, -1.0, 0.5];
    let tape = Tape::<Dual<f64>>::new();
    let xs: Vec<Dual<f64>> = X.iter().zip(&v).map(|(&a, &b)| Dual::new(a, b)).collect();
    let vars = tape.vars(&xs);
    let y = h(&vars, true);
    let g = tape.gradient(y, &vars).unwrap();
    let eps = 1e-6;
    let shifted = |s: f64| -> Vec<f64> {
        let x: Vec<f64> = X.iter().zip(&v).map(|(a, b)| a + s * b).collect();
        tape_gradient(&x, true).0
    };
    let (p, m) = (shifted(eps), shifted(-eps));
    for k in 0..3 {
        let fd = (p[k] - m[k]) / (2.0 * eps);
        assert!((g[k].eps - fd).abs() < 1e-7, "{k}: {} vs {fd}", g[k].eps);
    }
}
