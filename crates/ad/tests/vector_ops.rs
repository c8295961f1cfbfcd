//! The vector operations of `Scalar` in every mode: values equal to the `f64` kernels, gradients
//! against forward mode and central finite differences, one node per call on a tape, constants
//! without nodes.

use hypergrad_ad::elementwise::{Clip, SoftThreshold};
use hypergrad_ad::{forward, reverse, AdError, Dual, DualVec, Scalar, Tape, Var};
use ndarray::Array2;
use std::sync::Arc;

/// A 5×4 operator with distinct entries.
fn operator() -> Arc<Array2<f64>> {
    Arc::new(Array2::from_shape_fn((5, 4), |(i, j)| {
        ((i * 4 + j) as f64 * 0.37).sin()
    }))
}

/// A program that uses every vector operation once: with r = A x − b,
/// f(x) = ½‖r‖² + ⟨x, st(Aᵀr; x₀²)⟩ + Σ clip(x; −½, x₁) + ⟨w, x⟩ + Σ(x₂·x + x).
fn program<S: Scalar>(a: &Arc<Array2<f64>>, x: &[S]) -> S {
    let b = [0.3, -0.2, 0.1, 0.5, -0.4];
    let w = [1.0, -2.0, 0.5, 0.25];
    let mut r = vec![S::zero(); 5];
    S::matvec(a, x, &mut r);
    for (ri, bi) in r.iter_mut().zip(b) {
        *ri = *ri - bi;
    }
    let mut g = vec![S::zero(); 4];
    S::rmatvec(a, &r, &mut g);
    let mut st = vec![S::zero(); 4];
    S::map_slice(&SoftThreshold::default(), &g, &[x[0] * x[0]], &mut st);
    let mut clipped = vec![S::zero(); 4];
    S::map_slice(&Clip, x, &[S::from_f64(-0.5), x[1]], &mut clipped);
    let mut z = x.to_vec();
    S::axpy(x[2], x, &mut z);
    S::norm_sq(&r) * 0.5
        + S::dot(x, &st)
        + S::sum_slice(&clipped)
        + S::dot_const(x, &w)
        + S::sum_slice(&z)
}

/// A point away from every kink of `program` (checked by the finite differences agreeing).
const X: [f64; 4] = [0.4, 0.9, -0.7, 1.3];

/// Central differences of `program` with step h: error O(h²·|f'''|) + O(ε|f|/h); with
/// h = 1e-6 and |f| ~ 1 that is ~1e-10, so 1e-8 is a safe tolerance.
fn central_gradient(a: &Arc<Array2<f64>>) -> Vec<f64> {
    let h = 1e-6;
    (0..4)
        .map(|k| {
            let (mut p, mut m) = (X, X);
            p[k] += h;
            m[k] -= h;
            (program(a, &p) - program(a, &m)) / (2.0 * h)
        })
        .collect()
}

#[test]
fn every_mode_agrees_with_finite_differences() {
    let a = operator();
    let fd = central_gradient(&a);
    let value = program(&a, &X);
    let (vf, gf) = forward::gradient(|x| program(&a, x), &X);
    let (vr, gr) = reverse::gradient(|x| program(&a, x), &X);
    // Same kernels, same order: the primal is bit for bit the f64 value in every mode.
    assert_eq!(vf.to_bits(), value.to_bits());
    assert_eq!(vr.to_bits(), value.to_bits());
    for k in 0..4 {
        assert!((gf[k] - fd[k]).abs() < 1e-8, "forward {gf:?} vs fd {fd:?}");
        // Forward and reverse apply the same local partials in another order: 1e-13 relative.
        assert!(
            (gr[k] - gf[k]).abs() <= 1e-13 * gf[k].abs().max(1.0),
            "{gr:?} vs {gf:?}"
        );
        // One Dual pass per direction gives the same column.
        let mut xd: Vec<Dual<f64>> = X.iter().map(|&v| Dual::constant(v)).collect();
        xd[k].eps = 1.0;
        assert!((program(&a, &xd).eps - gf[k]).abs() <= 1e-13 * gf[k].abs().max(1.0));
    }
}

#[test]
fn hessian_vector_products_agree() {
    // Forward over forward and forward over reverse, against central differences of the
    // gradient (step 1e-5: error ~1e-10·|f''''| + 1e-16/1e-5, tolerance 1e-6).
    let a = operator();
    let v = [1.0, -0.5, 0.25, 2.0];
    let (_, _, hv_ff) = forward::hvp(|x| program(&a, x), &X, &v).unwrap();
    let (_, _, hv_fr) = reverse::hvp(|x| program(&a, x), &X, &v).unwrap();
    let h = 1e-5;
    let shifted = |s: f64| {
        let x: Vec<f64> = X.iter().zip(&v).map(|(x, v)| x + s * h * v).collect();
        forward::gradient(|x| program(&a, x), &x).1
    };
    let (gp, gm) = (shifted(1.0), shifted(-1.0));
    for k in 0..4 {
        let fd = (gp[k] - gm[k]) / (2.0 * h);
        assert!((hv_ff[k] - fd).abs() < 1e-6, "{hv_ff:?} vs {fd}");
        assert!((hv_fr[k] - hv_ff[k]).abs() <= 1e-12 * hv_ff[k].abs().max(1.0));
    }
}

/// Central differences of the forward-mode gradient along `v` (step 1e-5: error
/// ~1e-10·|f''''| + 1e-16/1e-5, so 1e-6 is a safe tolerance).
fn central_hvp(a: &Arc<Array2<f64>>, v: &[f64]) -> Vec<f64> {
    let h = 1e-5;
    let shifted = |s: f64| {
        let x: Vec<f64> = X.iter().zip(v).map(|(x, v)| x + s * h * v).collect();
        forward::gradient(|x| program(a, x), &x).1
    };
    let (gp, gm) = (shifted(1.0), shifted(-1.0));
    gp.iter()
        .zip(&gm)
        .map(|(p, m)| (p - m) / (2.0 * h))
        .collect()
}

#[test]
fn reverse_over_forward_keeps_the_tape_through_vector_operations() {
    // A dual number over tape variables (what a forward-mode gradient inside a recorded map
    // runs on): reversing the primal gives ∇f, reversing a tangent along v gives ∇²f·v. Every
    // vector operation must keep both parts on the tape, the operator products included.
    let a = operator();
    let v = [1.0, -0.5, 0.25, 2.0];
    let e0 = [1.0, 0.0, 0.0, 0.0];
    let (fd, hv_fd, he0_fd) = (
        central_gradient(&a),
        central_hvp(&a, &v),
        central_hvp(&a, &e0),
    );
    let close = |got: &[f64], want: &[f64], tol: f64, what: &str| {
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < tol, "{what}: {got:?} vs {want:?}");
        }
    };
    let tape = Tape::new();
    let x = tape.vars(&X);
    let xd: Vec<Dual<Var<'_, f64>>> = x
        .iter()
        .zip(&v)
        .map(|(&xi, &vi)| Dual::new(xi, Var::constant(vi)))
        .collect();
    let f = program(&a, &xd);
    close(&tape.gradient(f.re, &x).unwrap(), &fd, 1e-8, "Dual re");
    close(&tape.gradient(f.eps, &x).unwrap(), &hv_fd, 1e-6, "Dual eps");
    let xv: Vec<DualVec<Var<'_, f64>, 2>> = x
        .iter()
        .zip(e0.iter().zip(&v))
        .map(|(&xi, (&ei, &vi))| DualVec::new(xi, [Var::constant(ei), Var::constant(vi)]))
        .collect();
    let f = program(&a, &xv);
    close(&tape.gradient(f.re, &x).unwrap(), &fd, 1e-8, "DualVec re");
    close(
        &tape.gradient(f.eps[0], &x).unwrap(),
        &he0_fd,
        1e-6,
        "DualVec lane 0",
    );
    close(
        &tape.gradient(f.eps[1], &x).unwrap(),
        &hv_fd,
        1e-6,
        "DualVec lane 1",
    );
}

#[test]
fn one_node_per_vector_operation() {
    let a = operator();
    let tape = Tape::new();
    let x = tape.vars(&X);
    let _ = program(&a, &x);
    let stats = tape.memory();
    // 4 inputs; x₀·x₀ (1); matvec (5 outputs); 5 subtractions of constants; rmatvec (4);
    // soft-threshold (4); clip (4); axpy (4); norm², dot, sum, dot_const, sum (5); ½·norm² (1);
    // 4 additions.
    assert_eq!(stats.nodes, 4 + 1 + 5 + 5 + 4 + 4 + 4 + 4 + 5 + 1 + 4);
    // The operator is shared, not copied: no matrix entries on the tape.
    assert_eq!(stats.matrix_entries, 0);
}

#[test]
fn constant_operands_are_not_nodes() {
    let a = operator();
    let tape = Tape::new();
    let x0 = tape.var(0.5);
    // Three constants and one variable: one matvec node (5 outputs), no leaf for the constants.
    let x = [
        x0,
        Var::constant(1.0),
        Var::constant(-1.0),
        Var::constant(2.0),
    ];
    let mut y = vec![Var::constant(0.0); 5];
    Scalar::matvec(&a, &x, &mut y);
    assert_eq!(tape.len(), 1 + 5);
    let s = Scalar::sum_slice(&y);
    let g = tape.gradient(s, &[x0]).unwrap();
    let col0: f64 = (0..5).map(|i| a[[i, 0]]).sum();
    assert!((g[0] - col0).abs() < 1e-15);
    // All constants: nothing recorded, constant outputs.
    let c = [Var::constant(1.0); 4];
    Scalar::matvec(&a, &c, &mut y);
    assert!(y.iter().all(|v| v.index().is_none()));
    assert_eq!(tape.len(), 1 + 5 + 1);
}

#[test]
fn a_shared_operator_is_kept_once() {
    let a = operator();
    let tape = Tape::new();
    let x = tape.vars(&X);
    let mut y = vec![Var::constant(0.0); 5];
    let mut z = x.clone();
    let before = tape.memory().bytes;
    Scalar::matvec(&a, &x, &mut y);
    let one = tape.memory().bytes - before;
    for _ in 0..9 {
        Scalar::matvec(&a, &z, &mut y);
        Scalar::rmatvec(&a, &y, &mut z);
    }
    // Each further product costs its operand list, not another operator.
    let per_product = (tape.memory().bytes - before - one) / 18;
    assert!(per_product < one, "{per_product} vs {one}");
}

#[test]
fn element_wise_maps_match_the_scalar_primitive() {
    // One map node vs the scalar primitive recorded entry by entry: the same gradient, and the
    // same kink selection (x = ±τ gives derivative 0).
    let xs = [1.5, -0.25, 0.5, -0.5, 2.0];
    // Bound with `let` first: `scalar_fn` fixes the closure's signature.
    let f_map = reverse::scalar_fn(|x| {
        let mut out = vec![Var::constant(0.0); x.len() - 1];
        Scalar::map_slice(&SoftThreshold::default(), &x[1..], &[x[0]], &mut out);
        Scalar::dot(&out, &x[1..])
    });
    let f_scalar = reverse::scalar_fn(|x| {
        let out: Vec<_> = x[1..]
            .iter()
            .map(|&xi| hypergrad_ad::nonsmooth::soft_threshold(xi, x[0]))
            .collect();
        Scalar::dot(&out, &x[1..])
    });
    // τ = 0.5 puts two entries on the kink; τ = 0.3 none.
    for tau in [0.5, 0.3] {
        let mut point = vec![tau];
        point.extend_from_slice(&xs[1..]);
        let (v1, g1) = reverse::gradient(f_map, &point);
        let (v2, g2) = reverse::gradient(f_scalar, &point);
        assert_eq!(v1, v2);
        assert_eq!(g1, g2);
    }
}

#[test]
fn a_foreign_input_is_a_typed_error() {
    let (t1, t2) = (Tape::<f64>::new(), Tape::<f64>::new());
    let x1 = t1.var(1.0);
    let x2 = t2.var(2.0);
    let y1 = x1 * x1;
    assert_eq!(t1.gradient(y1, &[x2]), Err(AdError::ForeignVar));
    let mut out = [0.0];
    t1.reverse(&[(y1, 1.0)]).unwrap();
    assert_eq!(t1.adjoints_into(&[x2], &mut out), Err(AdError::ForeignVar));
}

#[test]
#[should_panic(expected = "`tau` must be non-negative")]
fn a_negative_threshold_panics() {
    let _ = hypergrad_ad::nonsmooth::soft_threshold(2.0, -1.0);
}

/// Generic code with plain `f64` constants on the right, as the math reads.
fn affine<S: Scalar>(x: S) -> S {
    (x * 2.0 + 1.0 - x / 4.0) * 3.0 - 0.5
}

#[test]
fn plain_constants_in_generic_code() {
    // f = 3(1.75x + 1) − 0.5: f(2) = 13, f' = 5.25, f'' = 0.
    assert_eq!(affine(2.0), 13.0);
    let d = affine(Dual::variable(2.0));
    assert_eq!((d.re, d.eps), (13.0, 5.25));
    let dd = affine(Dual::new(Dual::variable(2.0), Dual::constant(1.0)));
    assert_eq!(
        (dd.re.re, dd.re.eps, dd.eps.re, dd.eps.eps),
        (13.0, 5.25, 5.25, 0.0)
    );
    let dv = affine(DualVec::<f64, 2>::variable(2.0, 1));
    assert_eq!((dv.re, dv.eps), (13.0, [0.0, 5.25]));
    let (_, g) = reverse::gradient(|x| affine(x[0]), &[2.0]);
    assert_eq!(g, vec![5.25]);
}
