//! Algebraic and property tests of the non-smooth primitives: Moreau identities (values and
//! selected derivatives), idempotence and non-expansiveness of projections and proxes,
//! optimality (KKT) certificates, the documented selections at kinks and ties, NaN propagation
//! and the documented panics. Random inputs come from proptest, drawn partly from a small grid so
//! that exact kinks and ties (`|x| = τ`, repeated entries, zero groups, constant signals) occur.

use hypergrad_ad::nonsmooth::*;
use hypergrad_ad::Dual;
use proptest::prelude::*;

/// Rounding tolerance for identities between a handful of IEEE operations on numbers of size
/// ≤ ~10: each side is within a few ulps (≈ 1e-15), so 1e-12 leaves a wide margin while any
/// algebraic error is O(0.1).
const TOL: f64 = 1e-12;

/// A coordinate: often on a grid (exact kinks and ties), otherwise uniform.
fn coord() -> impl Strategy<Value = f64> {
    prop_oneof![
        prop::sample::select(vec![-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0]),
        -3.0..3.0_f64,
    ]
}

/// A non-negative parameter, often on the same grid.
fn param() -> impl Strategy<Value = f64> {
    prop_oneof![
        prop::sample::select(vec![0.0, 0.5, 1.0, 1.5, 2.0]),
        0.0..3.0_f64
    ]
}

fn vector() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(coord(), 1..8)
}

/// Two vectors of the same length.
fn pair() -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    (1..8_usize).prop_flat_map(|n| {
        (
            prop::collection::vec(coord(), n),
            prop::collection::vec(coord(), n),
        )
    })
}

fn norm(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>().sqrt()
}

fn diff(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(u, v)| u - v).collect()
}

/// Dual numbers with values `x` and tangents `dx`.
fn seed(x: &[f64], dx: &[f64]) -> Vec<Dual<f64>> {
    x.iter().zip(dx).map(|(&v, &d)| Dual::new(v, d)).collect()
}

/// A map `ℝⁿ → ℝⁿ` under test, by name for the messages.
type Map = (&'static str, Box<dyn Fn(&[f64], &mut [f64])>);

/// Projections (idempotent and non-expansive) and proxes (non-expansive) at a parameter `p ≥ 0`.
fn projections(p: f64) -> Vec<Map> {
    vec![
        (
            "project_box",
            Box::new(move |x, o| project_box(x, -p, p, o)),
        ),
        ("project_nonneg", Box::new(project_nonneg::<f64>)),
        (
            "project_l2_ball",
            Box::new(move |x, o| project_l2_ball(x, p, o)),
        ),
        (
            "project_l1_ball",
            Box::new(move |x, o| project_l1_ball(x, p, o)),
        ),
        ("project_simplex", Box::new(project_simplex::<f64>)),
    ]
}

fn proxes(p: f64) -> Vec<Map> {
    vec![
        (
            "soft_threshold_slice",
            Box::new(move |x, o| soft_threshold_slice(x, p, o)),
        ),
        (
            "block_soft_threshold",
            Box::new(move |x, o| block_soft_threshold(x, p, o)),
        ),
        ("prox_linf", Box::new(move |x, o| prox_linf(x, p, o))),
        ("prox_tv1d", Box::new(move |x, o| prox_tv1d(x, p, o))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// `st(x, τ) + P_{[−τ, τ]}(x) = x`, and the selected derivatives also sum to the identity
    /// (zero branch of `st` at `|x| = τ` ↔ interior branch of the box).
    #[test]
    fn moreau_soft_threshold_box((x, dx) in pair(), tau in param(), dtau in coord()) {
        let n = x.len();
        let (xs, t) = (seed(&x, &dx), Dual::new(tau, dtau));
        let (mut a, mut b) = (vec![Dual::new(0.0, 0.0); n], vec![Dual::new(0.0, 0.0); n]);
        soft_threshold_slice(&xs, t, &mut a);
        project_box(&xs, -t, t, &mut b);
        for i in 0..n {
            prop_assert!((a[i].re + b[i].re - x[i]).abs() <= TOL * (1.0 + x[i].abs()));
            prop_assert!((a[i].eps + b[i].eps - dx[i]).abs() <= TOL * (1.0 + dx[i].abs() + dtau.abs()));
        }
    }

    /// `bst(x, τ) + P_{τB₂}(x) = x`, values and selected derivatives (zero groups included).
    #[test]
    fn moreau_block_l2_ball((x, dx) in pair(), tau in param(), dtau in coord()) {
        let n = x.len();
        let (xs, t) = (seed(&x, &dx), Dual::new(tau, dtau));
        let (mut a, mut b) = (vec![Dual::new(0.0, 0.0); n], vec![Dual::new(0.0, 0.0); n]);
        block_soft_threshold(&xs, t, &mut a);
        project_l2_ball(&xs, t, &mut b);
        for i in 0..n {
            prop_assert!((a[i].re + b[i].re - x[i]).abs() <= TOL * (1.0 + norm(&x)));
            prop_assert!((a[i].eps + b[i].eps - dx[i]).abs() <= 1e-10 * (1.0 + norm(&dx) + dtau.abs()),
                "{} + {} != {}", a[i].eps, b[i].eps, dx[i]);
        }
    }

    /// `prox_{τ‖·‖∞}(x) = x − P_{τB₁}(x)` holds by construction; checked here is the independent
    /// characterization of the prox of `τ‖·‖∞`: `p = 0` if `‖x‖₁ ≤ τ`, else
    /// `pᵢ = sign(xᵢ)·min(|xᵢ|, t)` with `t` the root of `Σ(|xᵢ| − t)₊ = τ`.
    #[test]
    fn prox_linf_characterization(x in vector(), tau in param()) {
        let mut p = vec![0.0; x.len()];
        prox_linf(&x, tau, &mut p);
        let l1: f64 = x.iter().map(|v| v.abs()).sum();
        if l1 <= tau {
            prop_assert!(p.iter().all(|&v| v == 0.0));
        } else {
            let t = p.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
            let excess: f64 = x.iter().map(|v| (v.abs() - t).max(0.0)).sum();
            prop_assert!((excess - tau).abs() <= TOL * (1.0 + l1));
            for (pi, xi) in p.iter().zip(&x) {
                prop_assert!((pi - xi.signum() * xi.abs().min(t)).abs() <= TOL * (1.0 + l1));
            }
        }
    }

    /// Projections are idempotent: `P(P(x)) = P(x)`.
    #[test]
    fn projections_idempotent(x in vector(), r in param()) {
        for (name, p) in projections(r) {
            let (mut once, mut twice) = (vec![0.0; x.len()], vec![0.0; x.len()]);
            p(&x, &mut once);
            p(&once, &mut twice);
            prop_assert!(norm(&diff(&once, &twice)) <= TOL * (1.0 + norm(&x)), "{name}");
        }
    }

    /// Projections and proxes are non-expansive: `‖F(x) − F(y)‖ ≤ ‖x − y‖`.
    #[test]
    fn nonexpansive((x, y) in pair(), r in param()) {
        for (name, f) in projections(r).into_iter().chain(proxes(r)) {
            let (mut fx, mut fy) = (vec![0.0; x.len()], vec![0.0; x.len()]);
            f(&x, &mut fx);
            f(&y, &mut fy);
            prop_assert!(norm(&diff(&fx, &fy)) <= norm(&diff(&x, &y)) + TOL * (1.0 + norm(&x) + norm(&y)), "{name}");
        }
    }

    /// The simplex projection sums to one, is `max(y − θ, 0)` for the `θ` found by an independent
    /// bisection, and its Jacobian preserves the sum (`Σ (J·dy)ᵢ = 0`), also with repeated
    /// entries.
    #[test]
    fn simplex((y, dy) in pair()) {
        let mut z = vec![0.0; y.len()];
        project_simplex(&y, &mut z);
        prop_assert!((z.iter().sum::<f64>() - 1.0).abs() <= TOL * y.len() as f64);
        prop_assert!(z.iter().all(|&v| v >= 0.0));
        // Σ max(y − θ, 0) is decreasing in θ; it is ≥ 1 at min(y) − 1 and 0 at max(y).
        let (mut lo, mut hi) = (y.iter().fold(f64::INFINITY, |a, &b| a.min(b)) - 1.0,
                                y.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b)));
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if y.iter().map(|v| (v - mid).max(0.0)).sum::<f64>() > 1.0 { lo = mid } else { hi = mid }
        }
        for (zi, yi) in z.iter().zip(&y) {
            prop_assert!((zi - (yi - lo).max(0.0)).abs() <= 1e-10);
        }
        let mut dz = vec![0.0; y.len()];
        project_simplex_jvp(&y, &dy, &mut dz);
        prop_assert!(dz.iter().sum::<f64>().abs() <= TOL * (1.0 + norm(&dy)) * y.len() as f64);
    }

    /// The TV prox satisfies its optimality conditions: with `cₘ = Σ_{i≤m}(yᵢ − xᵢ)`,
    /// `c_{n−1} = 0`, `|cₘ| ≤ λ`, and `cₘ = ∓λ` where `x` jumps up/down between `m` and `m + 1`.
    /// Its `y`-Jacobian applied to a constant vector returns it (segment means).
    #[test]
    fn tv_optimality(y in vector(), lambda in param()) {
        let n = y.len();
        let mut x = vec![0.0; n];
        prox_tv1d(&y, lambda, &mut x);
        let scale = 1.0 + y.iter().map(|v| v.abs()).sum::<f64>() + lambda;
        let tol = TOL * scale * n as f64;
        let mut c = 0.0;
        for m in 0..n {
            c += y[m] - x[m];
            if m + 1 == n {
                prop_assert!(c.abs() <= tol, "total {c}");
            } else {
                prop_assert!(c.abs() <= lambda + tol, "|c| = {} > λ", c.abs());
                let jump = x[m + 1] - x[m];
                if jump > tol { prop_assert!((c + lambda).abs() <= tol) }
                if jump < -tol { prop_assert!((c - lambda).abs() <= tol) }
            }
        }
        let mut dx = vec![0.0; n];
        prox_tv1d_jvp(&y, lambda, &vec![1.0; n], 0.0, &mut dx);
        prop_assert!(dx.iter().all(|&v| (v - 1.0).abs() <= TOL));
    }
}

#[test]
fn tv_constant_signal_is_fixed_with_mean_jacobian() {
    let y = [0.3_f64; 6];
    let mut x = [0.0; 6];
    prox_tv1d(&y, 2.0, &mut x);
    assert!(x.iter().all(|&v| (v - 0.3).abs() <= TOL));
    let dy = [1.0, 2.0, 3.0, 4.0, 5.0, 9.0];
    let mut dx = [0.0; 6];
    prox_tv1d_jvp(&y, 2.0, &dy, 1.0, &mut dx);
    // One segment, no wall at either end: the mean of dy (4), and no λ-dependence.
    assert!(dx.iter().all(|&v| (v - 4.0).abs() <= TOL), "{dx:?}");
}

#[test]
fn tv_two_level_closed_form() {
    // y = (0, 0, 3, 3), λ = 0.5: one jump up, x = (λ/2, λ/2, 3 − λ/2, 3 − λ/2).
    let y = [0.0, 0.0, 3.0, 3.0].map(|v| Dual::new(v, 0.0));
    let mut x = [Dual::new(0.0, 0.0); 4];
    prox_tv1d(&y, Dual::new(0.5, 1.0), &mut x);
    assert_eq!(x.map(|d| d.re), [0.25, 0.25, 2.75, 2.75]);
    assert_eq!(x.map(|d| d.eps), [0.5, 0.5, -0.5, -0.5]);
}

#[test]
fn soft_threshold_kink_selections() {
    let at = |k| soft_threshold_with(Dual::new(0.7, 1.0), Dual::new(0.7, 0.0), k);
    assert_eq!((at(Kink::Inactive).re, at(Kink::Inactive).eps), (0.0, 0.0));
    assert_eq!((at(Kink::Active).re, at(Kink::Active).eps), (0.0, 1.0));
    assert_eq!(soft_threshold_jacobian(-0.7, 0.7), (0.0, 0.0));
    assert_eq!(
        soft_threshold_jacobian_with(-0.7, 0.7, Kink::Active),
        (1.0, 1.0)
    );
    assert_eq!(Kink::default(), Kink::Inactive);
}

#[test]
fn elementary_kink_selections() {
    assert_eq!(abs(Dual::new(0.0, 1.0)).eps, 0.0);
    assert_eq!(relu(Dual::new(0.0, 1.0)).eps, 0.0);
    assert_eq!(max(Dual::new(1.0, 1.0), Dual::new(1.0, 2.0)).eps, 1.0);
    assert_eq!(min(Dual::new(1.0, 1.0), Dual::new(1.0, 2.0)).eps, 1.0);
    let c = |x: f64| clamp(Dual::new(x, 1.0), Dual::new(-1.0, 2.0), Dual::new(1.0, 3.0)).eps;
    assert_eq!([c(-1.0), c(1.0), c(-1.5), c(1.5)], [1.0, 1.0, 2.0, 3.0]);
}

#[test]
fn block_and_ball_kink_selections() {
    let x = [3.0, 4.0];
    let mut out = [0.0; 2];
    // ‖x‖ = τ = 5: block soft-thresholding takes the zero branch, the ball the identity.
    block_soft_threshold_jvp(&x, 5.0, &[1.0, 0.0], 1.0, &mut out);
    assert_eq!(out, [0.0, 0.0]);
    project_l2_ball_jvp(&x, 5.0, &[1.0, 0.0], 1.0, &mut out);
    assert_eq!(out, [1.0, 0.0]);
    // The Active selection differentiates x(1 − τ/‖x‖) there: ∂/∂τ = −x/‖x‖.
    let xs = x.map(|v| Dual::new(v, 0.0));
    let mut o = [Dual::new(0.0, 0.0); 2];
    block_soft_threshold_with(&xs, Dual::new(5.0, 1.0), Kink::Active, &mut o);
    let expected = [-0.6, -0.8];
    assert!(o
        .iter()
        .zip(expected)
        .all(|(d, e)| (d.eps - e).abs() <= TOL));
}

#[test]
fn simplex_ties_at_threshold_are_clipped() {
    // θ = 1: the entries equal to 1 are left out of the support (derivative 0).
    let y = [1.5, 1.5, 1.0, 1.0, -1.0];
    let mut z = [0.0; 5];
    project_simplex(&y, &mut z);
    assert_eq!(z, [0.5, 0.5, 0.0, 0.0, 0.0]);
    project_simplex_jvp(&y, &[0.0, 0.0, 1.0, 0.0, 0.0], &mut z);
    assert_eq!(z, [0.0; 5]);
    project_simplex_jvp(&y, &[1.0, 0.0, 0.0, 0.0, 0.0], &mut z);
    assert_eq!(z, [0.5, -0.5, 0.0, 0.0, 0.0]);
}

#[test]
fn nan_propagates() {
    assert!(soft_threshold(f64::NAN, 1.0).is_nan());
    assert!(soft_threshold(1.0, f64::NAN).is_nan());
    assert!(abs(f64::NAN).is_nan() && relu(f64::NAN).is_nan());
    assert!(max(1.0, f64::NAN).is_nan() && max(f64::NAN, 1.0).is_nan());
    let mut out = [0.0; 3];
    project_simplex(&[1.0, f64::NAN, 0.0], &mut out);
    assert!(out.iter().all(|v| v.is_nan()));
    prox_tv1d(&[1.0, f64::NAN, 0.0], 1.0, &mut out);
    assert!(out.iter().all(|v| v.is_nan()));
}

#[test]
#[should_panic(expected = "nonsmooth::block_soft_threshold: `out` has length 2, expected 3")]
fn length_mismatch_panics() {
    block_soft_threshold(&[1.0, 2.0, 3.0], 1.0, &mut [0.0; 2]);
}

#[test]
#[should_panic(expected = "nonsmooth::prox_tv1d: `lambda` must be non-negative")]
fn negative_parameter_panics() {
    prox_tv1d(&[1.0, 2.0], -1.0, &mut [0.0; 2]);
}

proptest! {
    /// The block Jacobian matrix and column agree with the JVP on every unit tangent.
    #[test]
    fn block_jacobian_matrix_matches_jvp(x in vector(), tau in param()) {
        let n = x.len();
        let (jx, jtau) = block_soft_threshold_jacobian(&x, tau);
        let mut col = vec![0.0; n];
        for j in 0..=n {
            let mut dx = vec![0.0; n];
            let dtau = if j == n { 1.0 } else { dx[j] = 1.0; 0.0 };
            block_soft_threshold_jvp(&x, tau, &dx, dtau, &mut col);
            for i in 0..n {
                let expected = if j == n { jtau[i] } else { jx[[i, j]] };
                prop_assert!((col[i] - expected).abs() <= TOL * (1.0 + expected.abs()));
            }
        }
    }
}
