//! A primitive declared once ([`CustomRule`]: value, JVP, VJP) and called from generic code in
//! every mode, against central finite differences; and soft-thresholding expressed as a custom
//! rule, equal to the library's primitive in every mode, kink included.

use hypergrad_ad::nonsmooth::soft_threshold;
use hypergrad_ad::{forward, reverse, CustomRule, Dual, DualVec, Scalar};

/// softmax: yᵢ = e^{xᵢ − m} / Σⱼ e^{xⱼ − m} (m = max x, for stability), a vector function with
/// J = diag(y) − y yᵀ: J dx = y ⊙ (dx − ⟨y, dx⟩), Jᵀ ȳ = y ⊙ (ȳ − ⟨y, ȳ⟩).
struct Softmax(usize);

impl CustomRule for Softmax {
    fn n_inputs(&self) -> usize {
        self.0
    }
    fn n_outputs(&self) -> usize {
        self.0
    }
    fn value<S: Scalar>(&self, x: &[S], y: &mut [S]) {
        let m = x.iter().fold(S::neg_infinity(), |m, &v| m.max(v));
        // The shift by m cancels in the value; a constant keeps it out of the derivative.
        let m = S::from_real(m.value());
        y.iter_mut().zip(x).for_each(|(y, &x)| *y = (x - m).exp());
        let total = S::sum_slice(y);
        y.iter_mut().for_each(|y| *y /= total);
    }
    fn jvp<S: Scalar>(&self, x: &[S], dx: &[S], dy: &mut [S]) {
        let mut y = vec![S::zero(); x.len()];
        self.value(x, &mut y);
        let c = S::dot(&y, dx);
        dy.iter_mut()
            .zip(&y)
            .zip(dx)
            .for_each(|((d, &y), &dx)| *d = y * (dx - c));
    }
    fn vjp<S: Scalar>(&self, x: &[S], ybar: &[S], xbar: &mut [S]) {
        // J is symmetric: the same formula.
        self.jvp(x, ybar, xbar);
    }
}

/// f(x) = Σᵢ wᵢ softmax(x)ᵢ² + x₀·softmax(x)₂, generic over the scalar.
fn f<S: Scalar>(x: &[S]) -> S {
    let w = [1.0, -2.0, 0.5, 3.0];
    let mut y = vec![S::zero(); 4];
    S::custom(&Softmax(4), x, &mut y);
    let sq: Vec<S> = y.iter().map(|&v| v * v).collect();
    S::dot_const(&sq, &w) + x[0] * y[2]
}

const X: [f64; 4] = [0.3, -1.2, 0.8, 0.1];

/// ∂f/∂x_k by central differences, step 1e-5: truncation ~h²|f'''| ≈ 1e-10, rounding
/// ~ε|f|/h ≈ 1e-11, so agreement to 1e-8 tests the rule, not the differences.
fn fd(k: usize, x: &[f64; 4], g: impl Fn(&[f64]) -> f64) -> f64 {
    let h = 1e-5;
    let (mut p, mut m) = (*x, *x);
    p[k] += h;
    m[k] -= h;
    (g(&p) - g(&m)) / (2.0 * h)
}

#[test]
fn every_mode_matches_finite_differences() {
    let expect: Vec<f64> = (0..4).map(|k| fd(k, &X, f)).collect();
    // Dual: one JVP per direction.
    for (k, e) in expect.iter().enumerate() {
        let x: Vec<Dual<f64>> = (0..4)
            .map(|j| Dual::new(X[j], if j == k { 1.0 } else { 0.0 }))
            .collect();
        assert!((f(&x).eps - e).abs() < 1e-8);
    }
    // DualVec: the gradient in chunks.
    let (v, g) = forward::gradient(f, &X);
    assert_eq!(v, f(&X));
    // Var: the VJP rows recorded as nodes.
    let (vr, gr) = reverse::gradient(|x| f(x), &X);
    assert_eq!(vr, v);
    for k in 0..4 {
        assert!((g[k] - expect[k]).abs() < 1e-8, "{g:?} vs {expect:?}");
        assert!((gr[k] - expect[k]).abs() < 1e-8, "{gr:?} vs {expect:?}");
    }
    // DualVec with 4 lanes: the Jacobian of softmax itself against differences of each output.
    let xs: Vec<DualVec<f64, 4>> = (0..4).map(|j| DualVec::variable(X[j], j)).collect();
    let mut y = vec![DualVec::constant(0.0); 4];
    Scalar::custom(&Softmax(4), &xs, &mut y);
    for (i, yi) in y.iter().enumerate() {
        for k in 0..4 {
            let d = fd(k, &X, |x| {
                let mut y = [0.0; 4];
                Softmax(4).value(x, &mut y);
                y[i]
            });
            assert!((yi.eps[k] - d).abs() < 1e-8);
        }
    }
}

#[test]
fn second_order_through_the_rule() {
    // H v by forward over forward (nested duals run the rule's JVP on duals) and forward over
    // reverse, against differences of the gradient (step 1e-5, tolerance 1e-6 as above).
    let v = [0.5, 1.0, -1.0, 2.0];
    let (_, _, hv) = forward::hvp(f, &X, &v).unwrap();
    let (_, _, hv_r) = reverse::hvp(|x| f(x), &X, &v).unwrap();
    let h = 1e-5;
    let grad_at = |s: f64| {
        let x: Vec<f64> = X.iter().zip(&v).map(|(x, v)| x + s * h * v).collect();
        forward::gradient(f, &x).1
    };
    let (gp, gm) = (grad_at(1.0), grad_at(-1.0));
    for k in 0..4 {
        let e = (gp[k] - gm[k]) / (2.0 * h);
        assert!((hv[k] - e).abs() < 1e-6, "{hv:?} vs {e}");
        assert!((hv_r[k] - e).abs() < 1e-6, "{hv_r:?} vs {e}");
    }
}

/// Soft-thresholding as a custom rule, `x = (x, τ)`: the kink rule of the library (zero branch
/// at |x| = τ) written once in `partials`, used by both JVP and VJP.
struct SoftThresholdRule;

impl SoftThresholdRule {
    /// (∂st/∂x, ∂st/∂τ) = (1, −sign x) on the support |x| > τ, (0, 0) elsewhere.
    fn partials<S: Scalar>(x: &[S]) -> (S, S) {
        let (xv, tv) = (x[0].value(), x[1].value());
        if xv > tv {
            (S::one(), -S::one())
        } else if xv < -tv {
            (S::one(), S::one())
        } else {
            (S::zero(), S::zero())
        }
    }
}

impl CustomRule for SoftThresholdRule {
    fn n_inputs(&self) -> usize {
        2
    }
    fn n_outputs(&self) -> usize {
        1
    }
    fn value<S: Scalar>(&self, x: &[S], y: &mut [S]) {
        y[0] = soft_threshold(x[0], x[1]);
    }
    fn jvp<S: Scalar>(&self, x: &[S], dx: &[S], dy: &mut [S]) {
        let (a, b) = Self::partials(x);
        dy[0] = a * dx[0] + b * dx[1];
    }
    fn vjp<S: Scalar>(&self, x: &[S], ybar: &[S], xbar: &mut [S]) {
        let (a, b) = Self::partials(x);
        xbar[0] = a * ybar[0];
        xbar[1] = b * ybar[0];
    }
}

/// g(x, τ) = st(x, τ)·x through the rule (`custom`) or the primitive.
fn g<S: Scalar>(p: &[S], custom: bool) -> S {
    let st = if custom {
        let mut y = [S::zero()];
        S::custom(&SoftThresholdRule, p, &mut y);
        y[0]
    } else {
        soft_threshold(p[0], p[1])
    };
    st * p[0]
}

#[test]
fn soft_threshold_as_a_custom_rule() {
    // Inside, outside and at both kinks: the same gradient bit for bit in three modes.
    for p in [[2.0, 0.5], [0.2, 0.5], [0.5, 0.5], [-0.5, 0.5], [-3.0, 1.0]] {
        let lib = forward::gradient(|x| g(x, false), &p);
        assert_eq!(
            forward::gradient(|x| g(x, true), &p),
            lib,
            "forward at {p:?}"
        );
        assert_eq!(
            reverse::gradient(|x| g(x, true), &p),
            lib,
            "reverse at {p:?}"
        );
        assert_eq!(reverse::gradient(|x| g(x, false), &p), lib);
        let (_, _, h1) = forward::hvp(|x| g(x, true), &p, &[1.0, 0.0]).unwrap();
        let (_, _, h2) = forward::hvp(|x| g(x, false), &p, &[1.0, 0.0]).unwrap();
        assert_eq!(h1, h2, "hvp at {p:?}");
    }
}
