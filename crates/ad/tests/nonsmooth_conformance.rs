//! Conformance of the non-smooth primitives across AD modes, against finite differences away from
//! kinks, and against the Clarke Jacobian at kinks.
//!
//! Every primitive is wrapped as a [`Primitive`]: a generic evaluation on a flat input vector
//! (the point, then the parameters) and the `f64` generalized derivative from the library. Every
//! AD mode is a [`Mode`] that returns values and the full Jacobian; adding a scalar type is one
//! impl and one line in `modes!`.

use hypergrad_ad::nonsmooth::*;
use hypergrad_ad::{Dual, DualVec, Scalar};

/// Vector length used by the vector primitives.
const N: usize = 5;

/// A primitive `f: ℝ^{n_in} → ℝ^{n_out}` on a flat input (point, then parameters).
trait Primitive {
    fn name(&self) -> &'static str;
    fn n_in(&self) -> usize;
    fn n_out(&self) -> usize;
    fn eval<S: Scalar>(&self, inp: &[S], out: &mut [S]);
    /// The library's `f64` generalized derivative applied to the input tangent `d`.
    fn jvp(&self, inp: &[f64], d: &[f64], out: &mut [f64]);
    /// A random valid input (non-negative thresholds, ordered bounds).
    fn sample(&self, rng: &mut Rng) -> Vec<f64>;
    /// Whether an input satisfies the parameter constraints (for probing around kinks).
    fn valid(&self, inp: &[f64]) -> bool;
    /// Inputs exactly at kinks.
    fn kinks(&self) -> Vec<Vec<f64>>;
}

/// A seeded xorshift generator: deterministic tests without a dependency.
struct Rng(u64);
impl Rng {
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        lo + (hi - lo) * ((self.0 >> 11) as f64 / (1u64 << 53) as f64)
    }
    fn vec(&mut self, n: usize, lo: f64, hi: f64) -> Vec<f64> {
        (0..n).map(|_| self.uniform(lo, hi)).collect()
    }
}

/// `(values, jac)` with `jac[j]` the column `∂f/∂inp[j]`.
type Jac = (Vec<f64>, Vec<Vec<f64>>);

/// An AD mode: computes values and the full Jacobian of a primitive at a point.
trait Mode {
    const NAME: &'static str;
    /// Forward modes share one rule set and must agree bit for bit; others to rounding.
    const EXACT: bool;
    fn jacobian<P: Primitive>(p: &P, x: &[f64]) -> Jac;
}

/// A forward scalar seeded with one tangent direction.
trait Seed: Scalar {
    fn seed(x: f64, dir: f64) -> Self;
    fn primal(&self) -> f64;
    fn tangent(&self) -> f64;
}
impl Seed for Dual<f64> {
    fn seed(x: f64, dir: f64) -> Self {
        Dual::new(x, dir)
    }
    fn primal(&self) -> f64 {
        self.re
    }
    fn tangent(&self) -> f64 {
        self.eps
    }
}
/// Nested, seeded in the inner tangent: the first-order part is `re.eps`.
struct Inner;
/// Nested, seeded in the outer tangent: the first-order part is `eps.re`.
struct Outer;

/// One JVP per input direction with a seeded forward scalar.
fn forward_jacobian<P: Primitive, S: Scalar>(
    p: &P,
    x: &[f64],
    seed: impl Fn(f64, f64) -> S,
    read: impl Fn(&S) -> (f64, f64),
) -> Jac {
    let mut values = Vec::new();
    let mut jac = Vec::new();
    for j in 0..p.n_in() {
        let inp: Vec<S> = (0..p.n_in())
            .map(|i| seed(x[i], f64::from(u8::from(i == j))))
            .collect();
        let mut out = vec![S::zero(); p.n_out()];
        p.eval(&inp, &mut out);
        values = out.iter().map(|o| read(o).0).collect();
        jac.push(out.iter().map(|o| read(o).1).collect());
    }
    (values, jac)
}

struct DualMode;
impl Mode for DualMode {
    const NAME: &'static str = "Dual<f64>";
    const EXACT: bool = true;
    fn jacobian<P: Primitive>(p: &P, x: &[f64]) -> Jac {
        forward_jacobian(p, x, <Dual<f64> as Seed>::seed, |o| {
            (o.primal(), o.tangent())
        })
    }
}
impl Mode for Inner {
    const NAME: &'static str = "Dual<Dual<f64>> (inner seed)";
    const EXACT: bool = true;
    fn jacobian<P: Primitive>(p: &P, x: &[f64]) -> Jac {
        forward_jacobian(
            p,
            x,
            |v, d| Dual::new(Dual::new(v, d), Dual::constant(0.0)),
            |o: &Dual<Dual<f64>>| (o.re.re, o.re.eps),
        )
    }
}
impl Mode for Outer {
    const NAME: &'static str = "Dual<Dual<f64>> (outer seed)";
    const EXACT: bool = true;
    fn jacobian<P: Primitive>(p: &P, x: &[f64]) -> Jac {
        forward_jacobian(
            p,
            x,
            |v, d| Dual::new(Dual::constant(v), Dual::constant(d)),
            |o: &Dual<Dual<f64>>| (o.re.re, o.eps.re),
        )
    }
}

/// `DualVec<f64, 3>`: three Jacobian columns per pass (so inputs of size 5–11 also exercise a
/// partly filled last pass).
struct DualVecMode;
impl Mode for DualVecMode {
    const NAME: &'static str = "DualVec<f64, 3>";
    const EXACT: bool = true;
    fn jacobian<P: Primitive>(p: &P, x: &[f64]) -> Jac {
        const L: usize = 3;
        let mut values = Vec::new();
        let mut jac = vec![Vec::new(); p.n_in()];
        for start in (0..p.n_in()).step_by(L) {
            let inp: Vec<DualVec<f64, L>> = (0..p.n_in())
                .map(|i| {
                    let mut eps = [0.0; L];
                    if (start..start + L).contains(&i) {
                        eps[i - start] = 1.0;
                    }
                    DualVec::new(x[i], eps)
                })
                .collect();
            let mut out = vec![DualVec::constant(0.0); p.n_out()];
            p.eval(&inp, &mut out);
            values = out.iter().map(|o| o.re).collect();
            for (lane, col) in jac.iter_mut().skip(start).take(L).enumerate() {
                *col = out.iter().map(|o| o.eps[lane]).collect();
            }
        }
        (values, jac)
    }
}

/// Runs `$check::<Mode>()` for every AD mode: adding a scalar type is one line here.
macro_rules! modes {
    ($check:ident, $p:expr, $x:expr, $reference:expr) => {
        $check::<DualMode, _>($p, $x, $reference);
        $check::<DualVecMode, _>($p, $x, $reference);
        $check::<Inner, _>($p, $x, $reference);
        $check::<Outer, _>($p, $x, $reference);
    };
}

/// Values and Jacobian from the `f64` evaluation and the library's generalized derivative.
fn reference<P: Primitive>(p: &P, x: &[f64]) -> Jac {
    let mut values = vec![0.0; p.n_out()];
    p.eval(x, &mut values);
    let jac = (0..p.n_in())
        .map(|j| {
            let d: Vec<f64> = (0..p.n_in()).map(|i| f64::from(u8::from(i == j))).collect();
            let mut col = vec![0.0; p.n_out()];
            p.jvp(x, &d, &mut col);
            col
        })
        .collect();
    (values, jac)
}

/// Tolerance between an AD mode and the hand-written `f64` derivative: the same formulas in a
/// different order of IEEE operations (e.g. `τ·xᵀdx/‖x‖³` vs the chain rule through `1/‖x‖`),
/// so agreement to a few ulps of quantities of size ≤ ~10 — 1e-12 relative leaves ×100 margin.
const MODE_TOL: f64 = 1e-12;

fn check_mode<M: Mode, P: Primitive>(p: &P, x: &[f64], (rv, rj): &Jac) {
    let (v, j) = M::jacobian(p, x);
    // The primal is computed with the same IEEE operations in every scalar type: exact.
    assert_eq!(&v, rv, "{} / {}: values differ at {x:?}", p.name(), M::NAME);
    for (c, (col, rcol)) in j.iter().zip(rj).enumerate() {
        for (r, (a, b)) in col.iter().zip(rcol).enumerate() {
            assert!(
                (a - b).abs() <= MODE_TOL * (1.0 + b.abs()),
                "{} / {}: ∂out[{r}]/∂in[{c}] = {a}, f64 generalized derivative {b}, at {x:?}",
                p.name(),
                M::NAME
            );
        }
    }
    if M::EXACT {
        let (_, jd) = DualMode::jacobian(p, x);
        assert_eq!(
            j,
            jd,
            "{} / {}: not bitwise equal to Dual at {x:?}",
            p.name(),
            M::NAME
        );
    }
}

/// Every mode equals the reference at random points and at every kink.
fn conformance<P: Primitive>(p: &P, seed: u64) {
    let mut rng = Rng(seed);
    let points: Vec<Vec<f64>> = (0..50)
        .map(|_| p.sample(&mut rng))
        .chain(p.kinks())
        .collect();
    for x in &points {
        let reference = reference(p, x);
        modes!(check_mode, p, x, &reference);
    }
}

/// Central finite differences with step `H`: the pieces are affine (truncation error 0) or
/// smooth with third derivatives O(1/‖x‖²) ≈ O(1) at our sample scales (truncation ≈ H² = 1e-12);
/// rounding is ≈ ε·|f|/H ≈ 2e-16·10/1e-6 = 2e-9. `FD_TOL = 1e-6` is ×500 above both, while a
/// wrong branch or formula errs by O(0.1) or more.
const H: f64 = 1e-6;
const FD_TOL: f64 = 1e-6;

/// Whether the Jacobians at `x` and `y` come from the same branch (smooth variation over a
/// distance of a few `H` is ≈ 1e-6; a branch change is O(1)).
fn same_branch(a: &[Vec<f64>], b: &[Vec<f64>]) -> bool {
    a.iter()
        .flatten()
        .zip(b.iter().flatten())
        .all(|(u, v)| (u - v).abs() < 1e-4)
}

fn finite_differences<P: Primitive>(p: &P, seed: u64) {
    let mut rng = Rng(seed);
    let (mut checked, total) = (0, 200);
    for _ in 0..total {
        let x = p.sample(&mut rng);
        let (_, jac) = reference(p, &x);
        let shifted = |j: usize, h: f64| {
            let mut y = x.clone();
            y[j] += h;
            y
        };
        // Skip points within 2H of a kink in some coordinate: FD straddles two branches there.
        let near_kink = (0..p.n_in()).any(|j| {
            [2.0 * H, -2.0 * H].iter().any(|&h| {
                let y = shifted(j, h);
                !p.valid(&y) || !same_branch(&reference(p, &y).1, &jac)
            })
        });
        if near_kink {
            continue;
        }
        checked += 1;
        for (j, col) in jac.iter().enumerate() {
            let (mut up, mut down) = (vec![0.0; p.n_out()], vec![0.0; p.n_out()]);
            p.eval(&shifted(j, H), &mut up);
            p.eval(&shifted(j, -H), &mut down);
            for (r, &a) in col.iter().enumerate() {
                let fd = (up[r] - down[r]) / (2.0 * H);
                assert!(
                    (a - fd).abs() <= FD_TOL * (1.0 + fd.abs()),
                    "{}: ∂out[{r}]/∂in[{j}] = {a}, finite difference {fd}, at {x:?}",
                    p.name()
                );
            }
        }
    }
    // Kinks have measure zero: almost every random point must have been checked.
    assert!(
        checked * 10 >= total * 9,
        "{}: only {checked}/{total} points checked",
        p.name()
    );
}

/// At each kink, the selected Jacobian is a limit of Jacobians at nearby differentiable points
/// (an element of the Bouligand, hence Clarke, Jacobian), probed along ± every coordinate and
/// along random directions; a 1×1 Jacobian may also lie between two such limits (the Clarke
/// Jacobian is their convex hull). `δ = 1e-7`: limits of affine pieces are reached exactly,
/// curved pieces (balls) to O(δ), far below the tolerance 1e-5.
fn clarke_at_kinks<P: Primitive>(p: &P, seed: u64) {
    const DELTA: f64 = 1e-7;
    let mut rng = Rng(seed);
    for x in p.kinks() {
        let (_, selected) = reference(p, &x);
        let mut dirs: Vec<Vec<f64>> = Vec::new();
        for j in 0..p.n_in() {
            for s in [1.0, -1.0] {
                let mut d = vec![0.0; p.n_in()];
                d[j] = s;
                dirs.push(d);
            }
        }
        dirs.extend((0..40).map(|_| rng.vec(p.n_in(), -1.0, 1.0)));
        let limits: Vec<Vec<Vec<f64>>> = dirs
            .iter()
            .map(|d| {
                x.iter()
                    .zip(d)
                    .map(|(a, b)| a + DELTA * b)
                    .collect::<Vec<f64>>()
            })
            .filter(|y| p.valid(y))
            .map(|y| reference(p, &y).1)
            .collect();
        let close = |a: &[Vec<f64>], b: &[Vec<f64>]| {
            a.iter()
                .flatten()
                .zip(b.iter().flatten())
                .all(|(u, v)| (u - v).abs() < 1e-5)
        };
        let is_limit = limits.iter().any(|l| close(l, &selected));
        let in_hull_1d = p.n_in() == 1 && p.n_out() == 1 && {
            let vals: Vec<f64> = limits.iter().map(|l| l[0][0]).collect();
            let (lo, hi) = vals
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                    (a.min(v), b.max(v))
                });
            (lo..=hi).contains(&selected[0][0])
        };
        assert!(
            is_limit || in_hull_1d,
            "{}: selected Jacobian {selected:?} at the kink {x:?} is not in the Clarke Jacobian",
            p.name()
        );
    }
}

/// Defines one `#[test]` per property for a primitive.
macro_rules! primitive_tests {
    ($name:ident, $p:expr) => {
        mod $name {
            use super::*;
            #[test]
            fn modes_agree() {
                conformance(&$p, 0x9E37_79B9_7F4A_7C15);
            }
            #[test]
            fn finite_differences_away_from_kinks() {
                finite_differences(&$p, 0xD1B5_4A32_D192_ED03);
            }
            #[test]
            fn clarke_jacobian_at_kinks() {
                clarke_at_kinks(&$p, 0x2545_F491_4F6C_DD1D);
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// The primitives. Inputs: the point first, then the parameters.

/// Concatenates a point and parameters into one input.
fn cat(x: &[f64], params: &[f64]) -> Vec<f64> {
    x.iter().chain(params).copied().collect()
}

struct Abs;
impl Primitive for Abs {
    fn name(&self) -> &'static str {
        "abs"
    }
    fn n_in(&self) -> usize {
        1
    }
    fn n_out(&self) -> usize {
        1
    }
    fn eval<S: Scalar>(&self, i: &[S], o: &mut [S]) {
        o[0] = abs(i[0]);
    }
    fn jvp(&self, i: &[f64], d: &[f64], o: &mut [f64]) {
        o[0] = abs_jacobian(i[0]) * d[0];
    }
    fn sample(&self, rng: &mut Rng) -> Vec<f64> {
        rng.vec(1, -2.0, 2.0)
    }
    fn valid(&self, _: &[f64]) -> bool {
        true
    }
    fn kinks(&self) -> Vec<Vec<f64>> {
        vec![vec![0.0]]
    }
}

struct Relu;
impl Primitive for Relu {
    fn name(&self) -> &'static str {
        "relu"
    }
    fn n_in(&self) -> usize {
        1
    }
    fn n_out(&self) -> usize {
        1
    }
    fn eval<S: Scalar>(&self, i: &[S], o: &mut [S]) {
        o[0] = relu(i[0]);
    }
    fn jvp(&self, i: &[f64], d: &[f64], o: &mut [f64]) {
        o[0] = relu_jacobian(i[0]) * d[0];
    }
    fn sample(&self, rng: &mut Rng) -> Vec<f64> {
        rng.vec(1, -2.0, 2.0)
    }
    fn valid(&self, _: &[f64]) -> bool {
        true
    }
    fn kinks(&self) -> Vec<Vec<f64>> {
        vec![vec![0.0]]
    }
}

/// `max` (`MAX = true`) or `min` of two inputs.
struct MaxMin<const MAX: bool>;
impl<const MAX: bool> Primitive for MaxMin<MAX> {
    fn name(&self) -> &'static str {
        if MAX {
            "max"
        } else {
            "min"
        }
    }
    fn n_in(&self) -> usize {
        2
    }
    fn n_out(&self) -> usize {
        1
    }
    fn eval<S: Scalar>(&self, i: &[S], o: &mut [S]) {
        o[0] = if MAX {
            max(i[0], i[1])
        } else {
            min(i[0], i[1])
        };
    }
    fn jvp(&self, i: &[f64], d: &[f64], o: &mut [f64]) {
        let (ja, jb) = if MAX {
            max_jacobian(i[0], i[1])
        } else {
            min_jacobian(i[0], i[1])
        };
        o[0] = ja * d[0] + jb * d[1];
    }
    fn sample(&self, rng: &mut Rng) -> Vec<f64> {
        rng.vec(2, -2.0, 2.0)
    }
    fn valid(&self, _: &[f64]) -> bool {
        true
    }
    fn kinks(&self) -> Vec<Vec<f64>> {
        vec![vec![0.5, 0.5], vec![-1.0, -1.0]]
    }
}

/// `clamp(x, lo, hi)`: inputs `[x, lo, hi]`.
struct Clamp;
impl Primitive for Clamp {
    fn name(&self) -> &'static str {
        "clamp"
    }
    fn n_in(&self) -> usize {
        3
    }
    fn n_out(&self) -> usize {
        1
    }
    fn eval<S: Scalar>(&self, i: &[S], o: &mut [S]) {
        o[0] = clamp(i[0], i[1], i[2]);
    }
    fn jvp(&self, i: &[f64], d: &[f64], o: &mut [f64]) {
        let (jx, jl, jh) = clamp_jacobian(i[0], i[1], i[2]);
        o[0] = jx * d[0] + jl * d[1] + jh * d[2];
    }
    fn sample(&self, rng: &mut Rng) -> Vec<f64> {
        vec![
            rng.uniform(-2.0, 2.0),
            rng.uniform(-1.0, 0.0),
            rng.uniform(0.1, 1.0),
        ]
    }
    fn valid(&self, i: &[f64]) -> bool {
        i[1] <= i[2]
    }
    fn kinks(&self) -> Vec<Vec<f64>> {
        vec![vec![-0.5, -0.5, 1.0], vec![1.0, -0.5, 1.0]]
    }
}

/// Scalar soft-thresholding with a kink selection: inputs `[x, τ]`.
struct SoftThreshold(Kink);
impl Primitive for SoftThreshold {
    fn name(&self) -> &'static str {
        match self.0 {
            Kink::Inactive => "soft_threshold",
            Kink::Active => "soft_threshold_with(Active)",
        }
    }
    fn n_in(&self) -> usize {
        2
    }
    fn n_out(&self) -> usize {
        1
    }
    fn eval<S: Scalar>(&self, i: &[S], o: &mut [S]) {
        o[0] = soft_threshold_with(i[0], i[1], self.0);
    }
    fn jvp(&self, i: &[f64], d: &[f64], o: &mut [f64]) {
        let (jx, jt) = soft_threshold_jacobian_with(i[0], i[1], self.0);
        o[0] = jx * d[0] + jt * d[1];
    }
    fn sample(&self, rng: &mut Rng) -> Vec<f64> {
        vec![rng.uniform(-2.0, 2.0), rng.uniform(0.0, 1.5)]
    }
    fn valid(&self, i: &[f64]) -> bool {
        i[1] >= 0.0
    }
    fn kinks(&self) -> Vec<Vec<f64>> {
        vec![vec![0.7, 0.7], vec![-0.7, 0.7], vec![0.0, 0.0]]
    }
}

/// Elastic-net prox: inputs `[x, τ₁, τ₂]`.
struct ElasticNet;
impl Primitive for ElasticNet {
    fn name(&self) -> &'static str {
        "elastic_net_prox"
    }
    fn n_in(&self) -> usize {
        3
    }
    fn n_out(&self) -> usize {
        1
    }
    fn eval<S: Scalar>(&self, i: &[S], o: &mut [S]) {
        o[0] = elastic_net_prox(i[0], i[1], i[2]);
    }
    fn jvp(&self, i: &[f64], d: &[f64], o: &mut [f64]) {
        let j = elastic_net_prox_jacobian(i[0], i[1], i[2]);
        o[0] = j[0] * d[0] + j[1] * d[1] + j[2] * d[2];
    }
    fn sample(&self, rng: &mut Rng) -> Vec<f64> {
        vec![
            rng.uniform(-2.0, 2.0),
            rng.uniform(0.0, 1.5),
            rng.uniform(0.0, 2.0),
        ]
    }
    fn valid(&self, i: &[f64]) -> bool {
        i[1] >= 0.0 && i[2] >= 0.0
    }
    fn kinks(&self) -> Vec<Vec<f64>> {
        vec![vec![0.5, 0.5, 1.0], vec![-1.0, 1.0, 0.0]]
    }
}

/// The vector primitives of one point `x ∈ ℝᴺ` and up to `N + 2` parameters.
#[derive(Clone, Copy)]
enum Vector {
    /// `[x, τ]`
    SoftThresholdSlice,
    /// `[x, τ, w]`
    Weighted,
    /// `[x, τ]`
    Block,
    /// `[x, lo, hi]`
    Box,
    /// `[x]`
    Nonneg,
    /// `[x, r]`
    L2Ball,
    /// `[y]`
    Simplex,
    /// `[y, r]`
    L1Ball,
    /// `[x, τ]`
    Linf,
    /// `[y, λ]`
    Tv,
}

impl Primitive for Vector {
    fn name(&self) -> &'static str {
        match self {
            Vector::SoftThresholdSlice => "soft_threshold_slice",
            Vector::Weighted => "weighted_soft_threshold",
            Vector::Block => "block_soft_threshold",
            Vector::Box => "project_box",
            Vector::Nonneg => "project_nonneg",
            Vector::L2Ball => "project_l2_ball",
            Vector::Simplex => "project_simplex",
            Vector::L1Ball => "project_l1_ball",
            Vector::Linf => "prox_linf",
            Vector::Tv => "prox_tv1d",
        }
    }
    fn n_in(&self) -> usize {
        N + match self {
            Vector::Nonneg | Vector::Simplex => 0,
            Vector::Box => 2,
            Vector::Weighted => N + 1,
            _ => 1,
        }
    }
    fn n_out(&self) -> usize {
        N
    }
    fn eval<S: Scalar>(&self, i: &[S], o: &mut [S]) {
        let (x, p) = i.split_at(N);
        match self {
            Vector::SoftThresholdSlice => soft_threshold_slice(x, p[0], o),
            Vector::Weighted => weighted_soft_threshold(x, p[0], &p[1..], o),
            Vector::Block => block_soft_threshold(x, p[0], o),
            Vector::Box => project_box(x, p[0], p[1], o),
            Vector::Nonneg => project_nonneg(x, o),
            Vector::L2Ball => project_l2_ball(x, p[0], o),
            Vector::Simplex => project_simplex(x, o),
            Vector::L1Ball => project_l1_ball(x, p[0], o),
            Vector::Linf => prox_linf(x, p[0], o),
            Vector::Tv => prox_tv1d(x, p[0], o),
        }
    }
    fn jvp(&self, i: &[f64], d: &[f64], o: &mut [f64]) {
        let ((x, p), (dx, dp)) = (i.split_at(N), d.split_at(N));
        match self {
            Vector::SoftThresholdSlice => soft_threshold_slice_jvp(x, p[0], dx, dp[0], o),
            Vector::Weighted => {
                weighted_soft_threshold_jvp(x, p[0], &p[1..], dx, dp[0], &dp[1..], o)
            }
            Vector::Block => block_soft_threshold_jvp(x, p[0], dx, dp[0], o),
            Vector::Box => project_box_jvp(x, p[0], p[1], dx, dp[0], dp[1], o),
            Vector::Nonneg => project_nonneg_jvp(x, dx, o),
            Vector::L2Ball => project_l2_ball_jvp(x, p[0], dx, dp[0], o),
            Vector::Simplex => project_simplex_jvp(x, dx, o),
            Vector::L1Ball => project_l1_ball_jvp(x, p[0], dx, dp[0], o),
            Vector::Linf => prox_linf_jvp(x, p[0], dx, dp[0], o),
            Vector::Tv => prox_tv1d_jvp(x, p[0], dx, dp[0], o),
        }
    }
    fn sample(&self, rng: &mut Rng) -> Vec<f64> {
        let x = rng.vec(N, -2.0, 2.0);
        let params = match self {
            Vector::Nonneg | Vector::Simplex => vec![],
            Vector::Box => vec![rng.uniform(-1.0, 0.0), rng.uniform(0.0, 1.0)],
            Vector::Weighted => rng.vec(N + 1, 0.1, 1.5),
            Vector::Block | Vector::L2Ball => vec![rng.uniform(0.5, 4.0)],
            Vector::L1Ball | Vector::Linf => vec![rng.uniform(0.5, 8.0)],
            _ => vec![rng.uniform(0.0, 1.5)],
        };
        cat(&x, &params)
    }
    fn valid(&self, i: &[f64]) -> bool {
        let p = &i[N..];
        match self {
            Vector::Box => p[0] <= p[1],
            _ => p.iter().all(|&v| v >= 0.0),
        }
    }
    fn kinks(&self) -> Vec<Vec<f64>> {
        let x = [1.0, -0.5, 0.5, 0.0, -2.0];
        match self {
            Vector::SoftThresholdSlice => vec![cat(&x, &[0.5]), cat(&x, &[0.0])],
            Vector::Weighted => vec![cat(&x, &[0.5, 2.0, 1.0, 1.0, 1.0, 0.25])],
            // ‖(3, 4, 0, 0, 0)‖ = 5: on the kink sphere; a zero group with τ = 0 and τ > 0.
            Vector::Block => vec![
                cat(&[3.0, 4.0, 0.0, 0.0, 0.0], &[5.0]),
                cat(&[0.0; N], &[0.0]),
                cat(&[0.0; N], &[1.0]),
            ],
            Vector::Box => vec![cat(&x, &[-0.5, 1.0]), cat(&x, &[0.0, 0.0])],
            Vector::Nonneg => vec![x.to_vec()],
            Vector::L2Ball => vec![cat(&[3.0, 4.0, 0.0, 0.0, 0.0], &[5.0])],
            // Ties in the support and at the threshold: θ = 1 for (1.5, 1.5, 1, 1, −1).
            Vector::Simplex => vec![vec![1.5, 1.5, 1.0, 1.0, -1.0], vec![0.2; N]],
            // ‖x‖₁ = 4: on the sphere; and θ = 0.5 with ties at the threshold.
            Vector::L1Ball | Vector::Linf => {
                vec![cat(&x, &[4.0]), cat(&[1.5, -1.5, 0.5, -0.5, 0.0], &[2.0])]
            }
            // A constant signal; a jump of exactly 2λ (the merge point); λ = 0.
            Vector::Tv => vec![
                cat(&[0.3; N], &[0.5]),
                cat(&[0.0, 0.0, 1.0, 1.0, 1.0], &[0.6]),
                cat(&x, &[0.0]),
            ],
        }
    }
}

primitive_tests!(abs_tests, Abs);
primitive_tests!(relu_tests, Relu);
primitive_tests!(max_tests, MaxMin::<true>);
primitive_tests!(min_tests, MaxMin::<false>);
primitive_tests!(clamp_tests, Clamp);
primitive_tests!(soft_threshold_tests, SoftThreshold(Kink::Inactive));
primitive_tests!(soft_threshold_active_tests, SoftThreshold(Kink::Active));
primitive_tests!(elastic_net_tests, ElasticNet);
primitive_tests!(soft_threshold_slice_tests, Vector::SoftThresholdSlice);
primitive_tests!(weighted_soft_threshold_tests, Vector::Weighted);
primitive_tests!(block_soft_threshold_tests, Vector::Block);
primitive_tests!(project_box_tests, Vector::Box);
primitive_tests!(project_nonneg_tests, Vector::Nonneg);
primitive_tests!(project_l2_ball_tests, Vector::L2Ball);
primitive_tests!(project_simplex_tests, Vector::Simplex);
primitive_tests!(project_l1_ball_tests, Vector::L1Ball);
primitive_tests!(prox_linf_tests, Vector::Linf);
primitive_tests!(prox_tv1d_tests, Vector::Tv);
