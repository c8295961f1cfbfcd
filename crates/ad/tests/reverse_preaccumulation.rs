//! A tape that preaccumulates (`Tape::clear_preaccumulating`, what the gradient drivers use):
//! the same derivatives as a tape of operations, typed errors for what it cannot do, and the
//! tape's borrow protocol kept when user code re-enters a tape. Its node count on Rosenbrock
//! and the kink choices are checked in `reverse_tape.rs`.

use hypergrad_ad::reverse;
use hypergrad_ad::{AdError, CustomVjp, Scalar, Tape, Var};
use num_traits::Float;
use std::sync::Arc;

/// A program mixing scalar operations, nonsmooth primitives and composite vector operations
/// whose operands are multiples of nodes (`2x`, `sin x + 1`, `x + 0.5` on a preaccumulating
/// tape; the last has weight 1 on its node).
fn mixed<S: Scalar>(x: &[S]) -> S {
    let scaled: Vec<S> = x.iter().map(|&v| v * 2.0).collect();
    let waves: Vec<S> = x.iter().map(|&v| v.sin() + 1.0).collect();
    let d = S::dot(&scaled, &waves);
    let mut y = waves.clone();
    S::axpy(x[0].exp(), &scaled, &mut y);
    let n = S::norm_sq(&y) + S::norm_sq(&x.iter().map(|&v| v + 0.5).collect::<Vec<S>>());
    let st = hypergrad_ad::nonsmooth::soft_threshold(x[1] * 3.0, S::from_f64(0.5));
    d * n.sqrt() + st * x[2] - x[3].max(x[0]) / (x[1] * x[1] + 1.0)
}

/// The gradient on a tape of operations (no preaccumulation).
fn operation_tape_gradient(
    f: impl for<'t> Fn(&[Var<'t, f64>]) -> Var<'t, f64>,
    x: &[f64],
) -> Vec<f64> {
    let tape = Tape::new();
    let xs = tape.vars(x);
    let y = f(&xs);
    tape.gradient(y, &xs).unwrap()
}

/// `|a − b| ≤ 1e-14·max(|b|, 1)` entry by entry: the same partials multiplied in another
/// grouping (a weight carried along a chain instead of one partial a node) round differently
/// in the last bits only.
fn assert_close(a: &[f64], b: &[f64]) {
    for (p, q) in a.iter().zip(b) {
        assert!((p - q).abs() <= 1e-14 * q.abs().max(1.0), "{a:?} vs {b:?}");
    }
}

#[test]
fn composite_operands_and_kinks_match_the_operation_tape_and_differences() {
    for x in [[0.3, -0.2, 0.7, 1.1], [-0.4, 0.05, -1.3, -2.0]] {
        let (_, g) = reverse::gradient(|v| mixed(v), &x);
        assert_close(&g, &operation_tape_gradient(|v| mixed(v), &x));
        // Central differences, step 1e-6: error O(h²·f''') + O(ε/h) ≈ 1e-9 here.
        for i in 0..4 {
            let (mut p, mut m) = (x, x);
            p[i] += 1e-6;
            m[i] -= 1e-6;
            let fd = (mixed(&p) - mixed(&m)) / 2e-6;
            assert!(
                (g[i] - fd).abs() <= 1e-7 * fd.abs().max(1.0),
                "{i}: {} vs {fd}",
                g[i]
            );
        }
    }
}

#[test]
fn seeds_on_multiples_of_nodes_give_the_jacobian() {
    // Outputs 3x₀ and sin x₁ are weights on input nodes, x₀x₁ + x₀ is a node.
    let f = reverse::vector_fn(|x| vec![x[0] * 3.0, x[1].sin(), x[0] * x[1] + x[0]]);
    let (_, jac) = reverse::jacobian(f, &[0.5, 2.0]);
    let expect = [[3.0, 0.0], [0.0, 2.0_f64.cos()], [3.0, 0.5]];
    for (i, row) in expect.iter().enumerate() {
        assert_eq!(jac.row(i).to_vec(), row.to_vec(), "row {i}");
    }
    let (_, vjp) = reverse::vjp(f, &[0.5, 2.0], &[1.0, -1.0, 2.0]).unwrap();
    assert_eq!(vjp, vec![3.0 + 6.0, -(2.0_f64.cos()) + 1.0]);
}

#[test]
fn a_preaccumulating_tape_is_not_replayable_and_has_no_intermediate_adjoints() {
    let mut tape = Tape::<f64>::new();
    tape.clear_preaccumulating();
    let x = tape.vars(&[1.0, 2.0]);
    let s = x[0].sin() * 2.0;
    let y = s * x[1];
    tape.reverse(&[(y, 1.0)]).unwrap();
    assert!(matches!(
        tape.replay(&x, &[0.0, 1.0]),
        Err(AdError::NotReplayable { .. })
    ));
    let mut out = [0.0];
    assert_eq!(tape.adjoints_into(&[s], &mut out), Err(AdError::NoNode));
    assert_eq!(s.index(), None);
    // A weight of 1 on a node is not that node: `x + 3` has no adjoint of its own either.
    let shifted = x[0] + 3.0;
    assert_eq!(shifted.index(), None);
    assert_eq!(
        tape.adjoints_into(&[shifted], &mut out),
        Err(AdError::NoNode)
    );
    // The node of y is a real node: its adjoint is the seed.
    assert_eq!(tape.adjoint(y), 1.0);
    assert!(std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| tape.adjoint(s))).is_err());
    // Inputs are indices without records there: a thousand of them hold a few bytes.
    tape.clear_preaccumulating();
    let many = tape.vars(&[0.5; 1000]);
    assert_eq!((tape.len(), many[999].index()), (1000, Some(1000)));
    assert!(tape.memory().bytes < 200, "{:?}", tape.memory());
    // Clearing returns to a tape of operations.
    tape.clear();
    assert!(!tape.preaccumulates());
    let x = tape.vars(&[1.0]);
    let y = x[0].sin() * 2.0;
    assert_eq!(tape.len(), 3);
    tape.replay(&x, &[0.0]).unwrap();
    assert_eq!(tape.value(y), 0.0);
}

thread_local! {
    static SHARED: Tape<f64> = Tape::new();
}

/// A rule whose pullback records on the thread's shared tape: re-entering a tape from its own
/// sweep.
struct Reentrant;

impl CustomVjp for Reentrant {
    fn n_inputs(&self) -> usize {
        1
    }
    fn n_outputs(&self) -> usize {
        1
    }
    fn eval<S: Scalar>(&self, x: &[S], y: &mut [S]) {
        y[0] = x[0];
    }
    fn vjp<S: Scalar>(&self, _x: &[S], _y: &[S], ybar: &[S], xbar: &mut [S]) {
        SHARED.with(|t| {
            t.var(0.0);
        });
        xbar[0] = ybar[0];
    }
}

#[test]
#[should_panic(expected = "already borrowed")]
fn recording_on_a_tape_during_its_own_sweep_panics() {
    SHARED.with(|tape| {
        let x = tape.var(1.0);
        let mut y = [Var::constant(0.0)];
        Scalar::custom_vjp(&Arc::new(Reentrant), &[x], &mut y);
        // The sweep calls the rule's pullback while it holds the tape's records: the append
        // the pullback makes is refused (as a RefCell would) instead of aliasing them.
        tape.reverse(&[(y[0], 1.0)]).unwrap();
    });
}

/// A variable carries its value, weight, node, tape and two flags (whether it is its node,
/// whether its tape preaccumulates) in 32 bytes: the flags sit in the padding.
#[test]
fn a_variable_is_four_words() {
    assert_eq!(std::mem::size_of::<hypergrad_ad::Var<'_, f64>>(), 32);
}
