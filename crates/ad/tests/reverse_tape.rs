//! Unit behaviour of the tape: kink choices shared with forward mode, tape-less constants,
//! misuse detection, memory reuse, composite and custom nodes.

use hypergrad_ad::reverse;
use hypergrad_ad::AdError;
use hypergrad_ad::{Dual, Scalar, Tape, Var};
use ndarray::Array2;
use num_traits::Float;

/// d f(x, y)/d(x, y) by reverse mode.
fn rev2(
    f: impl for<'t> Fn(Var<'t, f64>, Var<'t, f64>) -> Var<'t, f64>,
    x: f64,
    y: f64,
) -> [f64; 2] {
    let tape = Tape::new();
    let (a, b) = (tape.var(x), tape.var(y));
    tape.reverse(&[(f(a, b), 1.0)]).unwrap();
    [tape.adjoint(a), tape.adjoint(b)]
}

/// The same by forward mode, one pass per input.
fn fwd2(f: impl Fn(Dual<f64>, Dual<f64>) -> Dual<f64>, x: f64, y: f64) -> [f64; 2] {
    [
        f(Dual::variable(x), Dual::constant(y)).eps,
        f(Dual::constant(x), Dual::variable(y)).eps,
    ]
}

/// The same through `reverse::gradient`, whose tape preaccumulates.
fn driver2(
    f: impl for<'t> Fn(Var<'t, f64>, Var<'t, f64>) -> Var<'t, f64>,
    x: f64,
    y: f64,
) -> [f64; 2] {
    let (_, g) = reverse::gradient(|v| f(v[0], v[1]), &[x, y]);
    [g[0], g[1]]
}

macro_rules! same_as_forward {
    ($name:ident, |$a:ident, $b:ident| $body:expr, $x:expr, $y:expr) => {
        #[test]
        fn $name() {
            let f = fwd2(|$a, $b| $body, $x, $y);
            let r = rev2(|$a, $b| $body, $x, $y);
            let d = driver2(|$a, $b| $body, $x, $y);
            for (what, g) in [("reverse", r), ("preaccumulated", d)] {
                assert_eq!(
                    g.map(f64::to_bits),
                    f.map(f64::to_bits),
                    "{what} {g:?} forward {f:?}"
                );
            }
        }
    };
}

// Kinks: the documented choices of forward mode, reproduced bit for bit by a tape of
// operations and by a preaccumulating one (one partial per path, the same products).
same_as_forward!(abs_at_zero, |a, _b| a.abs(), 0.0, 1.0);
same_as_forward!(max_tie_takes_self, |a, b| a.max(b), 2.0, 2.0);
same_as_forward!(min_tie_takes_self, |a, b| a.min(b), 2.0, 2.0);
same_as_forward!(hypot_at_origin, |a, b| a.hypot(b), 0.0, 0.0);
same_as_forward!(powf_at_zero, |a, b| a.powf(b), 0.0, 2.0);
same_as_forward!(powi_zero, |a, _b| a.powi(0), 0.0, 0.0);
same_as_forward!(atan2_smooth, |a, b| a.atan2(b), 0.3, -0.7);
same_as_forward!(rem_smooth, |a, b| a % b, 5.5, 2.0);

#[test]
fn kinks_match_closed_form() {
    assert_eq!(rev2(|a, _| a.abs(), 0.0, 0.0), [0.0, 0.0]);
    assert_eq!(rev2(|a, b| a.max(b), 1.0, 1.0), [1.0, 0.0]);
    assert_eq!(rev2(|a, b| a.hypot(b), 0.0, 0.0), [0.0, 0.0]);
    assert_eq!(rev2(|a, b| a.hypot(b), 3.0, 4.0), [0.6, 0.8]);
}

#[test]
fn constants_need_no_tape() {
    let zero = <Var<'static, f64> as num_traits::Zero>::zero();
    let nan = <Var<'static, f64> as Float>::nan();
    let c = Var::<f64>::from_f64(2.5);
    assert_eq!(zero.index(), None);
    assert!(nan.is_nan());
    assert_eq!((c * c + zero).primal(), 6.25);
    assert_eq!((c * c).index(), None);
    // A constant operand records a unary node with the other operand's tape.
    let tape = Tape::new();
    let x = tape.var(1.0);
    let y = c * x;
    assert_eq!(y.index(), Some(2)); // node 0 is the tape's sink, x is node 1
    tape.reverse(&[(y, 1.0)]).unwrap();
    assert_eq!(tape.adjoint(x), 2.5);
    assert_eq!(tape.adjoint(c), 0.0);
}

#[test]
#[should_panic(expected = "two different tapes")]
fn mixing_tapes_panics() {
    let (t1, t2) = (Tape::new(), Tape::new());
    let _ = t1.var(1.0) + t2.var(2.0);
}

#[test]
fn foreign_seed_is_an_error() {
    let (t1, t2) = (Tape::new(), Tape::new());
    let x = t2.var(1.0);
    let _ = t1.var(1.0);
    assert_eq!(t1.reverse(&[(x, 1.0)]), Err(AdError::ForeignVar));
    assert_eq!(t1.adjoint(x), 0.0);
}

fn rosenbrock<S: Scalar>(x: &[S]) -> S {
    x.windows(2)
        .map(|w| {
            let a = w[1] - w[0] * w[0];
            let b = S::one() - w[0];
            a * a * S::from_f64(100.0) + b * b
        })
        .sum()
}

#[test]
fn cleared_tape_reuses_its_memory() {
    let x: Vec<f64> = (0..200).map(|i| 0.01 * i as f64).collect();
    let mut g = vec![0.0; x.len()];
    let mut tape = Tape::new();
    reverse::gradient_on(&mut tape, |v| rosenbrock(v), &x, &mut g).unwrap();
    let first = tape.memory();
    assert!(first.nodes > 200 && first.bytes > 0 && first.capacity_bytes >= first.bytes);
    for _ in 0..10 {
        reverse::gradient_on(&mut tape, |v| rosenbrock(v), &x, &mut g).unwrap();
    }
    assert_eq!(tape.memory(), first, "same program, same memory, no growth");
    // Closed form at i: 400 xᵢ(xᵢ² − xᵢ₊₁) + 2(xᵢ − 1) + 200(xᵢ − xᵢ₋₁²).
    let i = 7;
    let expect = 400.0 * x[i] * (x[i] * x[i] - x[i + 1])
        + 2.0 * (x[i] - 1.0)
        + 200.0 * (x[i] - x[i - 1] * x[i - 1]);
    assert!((g[i] - expect).abs() <= 1e-12 * expect.abs().max(1.0));
    assert_eq!(
        reverse::gradient_on(&mut tape, |v| rosenbrock(v), &x, &mut g[..3]),
        Err(AdError::LengthMismatch {
            what: "gradient output",
            expected: 200,
            got: 3
        })
    );
}

#[test]
fn drivers_record_three_nodes_a_rosenbrock_term_with_the_same_gradient() {
    let n = 300;
    let x: Vec<f64> = (0..n).map(|i| 0.5 + 0.3 * (i as f64 * 0.7).sin()).collect();
    let mut g = vec![0.0; n];
    let mut tape = Tape::new();
    let value = reverse::gradient_on(&mut tape, |v| rosenbrock(v), &x, &mut g).unwrap();
    assert_eq!(value, rosenbrock(&x));
    // n inputs, then per term: x₁ − x₀² (x₀² is a weight), 100a² + b², acc + term (not in the
    // first term: 0 + term is the term).
    assert_eq!(tape.len(), n + 3 * (n - 1) - 1);
    assert!(tape.preaccumulates());
    // The tape of operations: the same partials grouped differently, 1e-14 relative.
    let ops = Tape::new();
    let xs = ops.vars(&x);
    let expect = ops.gradient(rosenbrock(&xs), &xs).unwrap();
    for (a, b) in g.iter().zip(&expect) {
        assert!((a - b).abs() <= 1e-14 * b.abs().max(1.0), "{a} vs {b}");
    }
    // Closed form at an interior i: 400 xᵢ(xᵢ² − xᵢ₊₁) + 2(xᵢ − 1) + 200(xᵢ − xᵢ₋₁²).
    for i in [1, 7, n / 2, n - 2] {
        let expect = 400.0 * x[i] * (x[i] * x[i] - x[i + 1])
            + 2.0 * (x[i] - 1.0)
            + 200.0 * (x[i] - x[i - 1] * x[i - 1]);
        assert!((g[i] - expect).abs() <= 1e-12 * expect.abs().max(1.0));
    }
}

/// A small dense matrix with distinct entries.
fn matrix(rows: usize, cols: usize) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |(i, j)| ((i * cols + j) as f64 * 0.37).sin())
}

/// The scalar form of the composite test's function.
fn scalar_program<'t>(a: &Array2<f64>, w: &[f64], x: &[Var<'t, f64>]) -> Var<'t, f64> {
    let mut s = Var::constant(0.0);
    for i in 0..3 {
        let yi: Var<f64> = (0..4).map(|j| x[j] * a[[i, j]]).sum();
        s += yi * w[i];
    }
    for j in 0..4 {
        let zj: f64 = (0..3).map(|i| a[[i, j]] * w[i]).sum();
        s += x[j] * zj + x[j] + x[j] * x[j] + x[0] * x[j] + x[j];
    }
    s
}

#[test]
fn composite_nodes_match_scalar_programs() {
    let a = matrix(3, 4);
    let xv = [0.5, -1.0, 2.0, 0.25];
    let w = [1.0, -2.0, 0.5];
    // g(x) = wᵀ(A x) + (Aᵀ w)·x + Σ x + dot(x, x) + Σ axpy(x₀, x, x): compact vs scalar.
    let compact = |t: &Tape<f64>| {
        let x = t.vars(&xv);
        let am = t.matrix(a.view());
        let y = t.matvec(&am, &x).unwrap();
        let wc: Vec<Var<f64>> = w.iter().map(|&v| Var::constant(v)).collect();
        let z = t.matvec_t(&am, &wc).unwrap(); // constants: no node
        assert!(z.iter().all(|v| v.index().is_none()));
        let zv: Vec<f64> = z.iter().map(Var::primal).collect();
        let s = t.dot(&y, &w).unwrap()
            + t.dot(&x, &zv).unwrap()
            + t.sum(&x)
            + t.dot_vars(&x, &x).unwrap();
        let ax = t.axpy(x[0], &x, &x).unwrap();
        let out = s + t.sum(&ax);
        t.reverse(&[(out, 1.0)]).unwrap();
        (
            out.primal(),
            x.iter().map(|v| t.adjoint(*v)).collect::<Vec<_>>(),
        )
    };
    let tape = Tape::new();
    let (v1, g1) = compact(&tape);
    let stats = tape.memory();
    let (v2, g2) = reverse::gradient(|x| scalar_program(&a, &w, x), &xv);
    assert!((v1 - v2).abs() <= 1e-13 * v2.abs());
    for (p, q) in g1.iter().zip(&g2) {
        assert!(
            (p - q).abs() <= 1e-13 * q.abs().max(1.0),
            "{g1:?} vs {g2:?}"
        );
    }
    // 4 inputs + 3 matvec outputs + dot, dot, sum, dot_vars + 4 axpy + sum + 4 additions.
    assert_eq!(stats.nodes, 4 + 3 + 4 + 4 + 1 + 4);
    assert_eq!(stats.matrix_entries, 12);
}

#[test]
fn matrix_is_stored_once_per_view() {
    let a = matrix(5, 6);
    let tape = Tape::<f64>::new();
    let x = tape.vars(&[1.0; 6]);
    for _ in 0..10 {
        let m = tape.matrix(a.view());
        let y = tape.matvec(&m, &x).unwrap();
        let _ = tape.matvec_t(&m, &y).unwrap();
    }
    assert_eq!(tape.memory().matrix_entries, 30);
    let m = tape.matrix(a.view());
    assert!(matches!(
        tape.matvec(&m, &x[..2]),
        Err(AdError::LengthMismatch { .. })
    ));
}

#[test]
fn custom_node_uses_given_partials() {
    // y = x₀² sin x₁ given by value and partials (2x₀ sin x₁, x₀² cos x₁); then z = y·x₀.
    let tape = Tape::new();
    let x = tape.vars(&[1.5, 0.3]);
    let (a, b) = (x[0].primal(), x[1].primal());
    let y = tape
        .custom(&x, a * a * b.sin(), &[2.0 * a * b.sin(), a * a * b.cos()])
        .unwrap();
    let z = y * x[0];
    tape.reverse(&[(z, 1.0)]).unwrap();
    let expect = [3.0 * a * a * b.sin(), a * a * a * b.cos()];
    assert!((tape.adjoint(x[0]) - expect[0]).abs() < 1e-14);
    assert!((tape.adjoint(x[1]) - expect[1]).abs() < 1e-14);
    assert!(tape.custom(&x, 0.0, &[1.0]).is_err());
}

/// f(x₁, x₂, x₃) = (x₁x₂ + e^{x₃}, x₁x₂ − ln x₃).
fn teaching<S: Scalar>(x: &[S]) -> Vec<S> {
    vec![x[0] * x[1] + x[2].exp(), x[0] * x[1] - x[2].ln()]
}

#[test]
fn jacobian_of_the_teaching_example() {
    let (y, j) = reverse::jacobian(|x| teaching(x), &[1.0, 2.0, 3.0]);
    assert_eq!(y, vec![2.0 + 3.0_f64.exp(), 2.0 - 3.0_f64.ln()]);
    let expect = [[2.0, 1.0, 3.0_f64.exp()], [2.0, 1.0, -1.0 / 3.0]];
    for i in 0..2 {
        for k in 0..3 {
            assert_eq!(j[[i, k]], expect[i][k]);
        }
    }
    assert!(reverse::vjp(|x| teaching(x), &[1.0, 2.0, 3.0], &[1.0]).is_err());
}

#[test]
fn listing_shows_operands_and_partials() {
    let tape = Tape::new();
    let x = tape.vars(&[2.0, 3.0]);
    let _ = x[0] * x[1];
    let listing = tape.to_string();
    assert!(listing.contains("v3    ← v1·3 + v2·2"), "{listing}");
}

#[test]
fn forward_over_reverse_through_composite_nodes() {
    // f(x) = ½ xᵀ(A x) + Σ sin xᵢ recorded with a mat-vec block and a wide dot on a dual tape:
    // H v = ½(A + Aᵀ) v − diag(sin x) v.
    let a = matrix(4, 4);
    let (x, v) = ([0.3, -0.2, 0.9, 0.5], [1.0, 0.5, -1.0, 2.0]);
    let tape = Tape::<Dual<f64>>::new();
    let xs: Vec<_> = x
        .iter()
        .zip(&v)
        .map(|(&p, &q)| tape.var(Dual::new(p, q)))
        .collect();
    let m = tape.matrix(a.view());
    let ax = tape.matvec(&m, &xs).unwrap();
    let sines: Vec<_> = xs.iter().map(|xi| xi.sin()).collect();
    let f = tape.dot_vars(&xs, &ax).unwrap() * 0.5 + tape.sum(&sines);
    tape.reverse(&[(f, Dual::new(1.0, 0.0))]).unwrap();
    for i in 0..4 {
        let hv: f64 = (0..4)
            .map(|j| 0.5 * (a[[i, j]] + a[[j, i]]) * v[j])
            .sum::<f64>()
            - x[i].sin() * v[i];
        let grad: f64 = (0..4)
            .map(|j| 0.5 * (a[[i, j]] + a[[j, i]]) * x[j])
            .sum::<f64>()
            + x[i].cos();
        let adj = tape.adjoint(xs[i]);
        assert!((adj.eps - hv).abs() < 1e-14, "{i}: {} vs {hv}", adj.eps);
        assert!((adj.re - grad).abs() < 1e-14);
    }
}

#[test]
fn a_tape_moves_to_another_thread() {
    let mut tape = Tape::<f64>::new();
    let g = std::thread::spawn(move || {
        let x = tape.var(2.0);
        let g = tape.gradient(x * x, &[x]).unwrap();
        tape.clear();
        g
    })
    .join()
    .unwrap();
    assert_eq!(g, vec![4.0]);
}

#[test]
fn a_square_is_one_operand_with_partial_two_x() {
    let tape = Tape::<f64>::new();
    let (x, y) = (tape.var(3.0), tape.var(5.0));
    let sq = x * x;
    let prod = x * y;
    assert_eq!(sq.primal(), 9.0);
    assert_eq!(tape.node(sq.index().unwrap()), Some(vec![(1, 6.0)]));
    assert_eq!(
        tape.node(prod.index().unwrap()),
        Some(vec![(1, 5.0), (2, 3.0)])
    );
    let out = sq * y + prod;
    assert_eq!(
        tape.gradient(out, &[x, y]).unwrap(),
        vec![6.0 * 5.0 + 5.0, 9.0 + 3.0]
    );
    // Replayed at a new point, as a fresh recording there.
    tape.replay(&[x, y], &[-2.0, 0.5]).unwrap();
    assert_eq!(tape.value(sq), 4.0);
    assert_eq!(
        tape.gradient(out, &[x, y]).unwrap(),
        vec![-4.0 * 0.5 + 0.5, 4.0 - 2.0]
    );
    // Forward over reverse: the square's partial is a dual number too.
    let dual = Tape::<Dual<f64>>::new();
    let v = dual.var(Dual::new(3.0, 1.0));
    let g = dual.gradient(v * v * v, &[v]).unwrap()[0];
    assert_eq!((g.re, g.eps), (27.0, 18.0));
}
