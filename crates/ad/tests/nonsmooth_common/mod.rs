//! The harness shared by the `nonsmooth_conformance_*` tests: conformance of the non-smooth
//! primitives across AD modes, against finite differences away from kinks, and against the
//! Clarke Jacobian at kinks.
//!
//! Every primitive is wrapped as a [`Primitive`]: a generic evaluation on a flat input vector
//! (the point, then the parameters) and the `f64` generalized derivative from the library. Every
//! AD mode is a [`Mode`] that returns values and the full Jacobian; adding a scalar type is one
//! impl and one line in `modes!`.

pub use hypergrad_ad::nonsmooth::*;
pub use hypergrad_ad::{Dual, DualVec, Scalar, Tape, Var};

/// A primitive `f: ℝ^{n_in} → ℝ^{n_out}` on a flat input (point, then parameters).
pub trait Primitive {
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
pub struct Rng(pub u64);
impl Rng {
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        lo + (hi - lo) * ((self.0 >> 11) as f64 / (1u64 << 53) as f64)
    }
    pub fn vec(&mut self, n: usize, lo: f64, hi: f64) -> Vec<f64> {
        (0..n).map(|_| self.uniform(lo, hi)).collect()
    }
}

/// `(values, jac)` with `jac[j]` the column `∂f/∂inp[j]`.
pub type Jac = (Vec<f64>, Vec<Vec<f64>>);

/// An AD mode: computes values and the full Jacobian of a primitive at a point.
pub trait Mode {
    const NAME: &'static str;
    /// Forward modes share one rule set and must agree bit for bit; reverse to rounding.
    const EXACT: bool;
    fn jacobian<P: Primitive>(p: &P, x: &[f64]) -> Jac;
}

/// Nested, seeded in the inner tangent: the first-order part is `re.eps`.
pub struct Inner;
/// Nested, seeded in the outer tangent: the first-order part is `eps.re`.
pub struct Outer;

/// One JVP per input direction with a seeded forward scalar.
pub fn forward_jacobian<P: Primitive, S: Scalar>(
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

pub struct DualMode;
impl Mode for DualMode {
    const NAME: &'static str = "Dual<f64>";
    const EXACT: bool = true;
    fn jacobian<P: Primitive>(p: &P, x: &[f64]) -> Jac {
        forward_jacobian(p, x, Dual::new, |o: &Dual<f64>| (o.re, o.eps))
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
pub struct DualVecMode;
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

/// Reverse mode: one recording on a [`Tape`], then one sweep per output (a Jacobian row).
pub struct VarMode;
impl Mode for VarMode {
    const NAME: &'static str = "Var<f64> (reverse)";
    const EXACT: bool = false;
    fn jacobian<P: Primitive>(p: &P, x: &[f64]) -> Jac {
        let tape = Tape::<f64>::new();
        let xs = tape.vars(x);
        let mut out = vec![Var::constant(0.0); p.n_out()];
        p.eval(&xs, &mut out);
        let mut jac = vec![vec![0.0; p.n_out()]; p.n_in()];
        for (r, y) in out.iter().enumerate() {
            let row = tape.gradient(*y, &xs).expect("variables of this tape");
            for (col, g) in jac.iter_mut().zip(row) {
                col[r] = g;
            }
        }
        (out.iter().map(Var::primal).collect(), jac)
    }
}

/// `[$check::<Mode>(..), …]` over every AD mode: adding a scalar type is one line here.
macro_rules! modes {
    ($check:ident, $p:expr, $x:expr, $reference:expr) => {
        [
            $check::<DualMode, _>($p, $x, $reference),
            $check::<DualVecMode, _>($p, $x, $reference),
            $check::<Inner, _>($p, $x, $reference),
            $check::<Outer, _>($p, $x, $reference),
            $check::<VarMode, _>($p, $x, $reference),
        ]
    };
}

/// Values and Jacobian from the `f64` evaluation and the library's generalized derivative.
pub fn reference<P: Primitive>(p: &P, x: &[f64]) -> Jac {
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
pub const MODE_TOL: f64 = 1e-12;

/// Checks one mode at one point; returns the largest relative deviation from the reference.
pub fn check_mode<M: Mode, P: Primitive>(p: &P, x: &[f64], (rv, rj): &Jac) -> f64 {
    let (v, j) = M::jacobian(p, x);
    let mut worst = 0.0_f64;
    // The primal is computed with the same IEEE operations in every scalar type: exact.
    assert_eq!(&v, rv, "{} / {}: values differ at {x:?}", p.name(), M::NAME);
    for (c, (col, rcol)) in j.iter().zip(rj).enumerate() {
        for (r, (a, b)) in col.iter().zip(rcol).enumerate() {
            worst = worst.max((a - b).abs() / (1.0 + b.abs()));
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
    worst
}

/// Every mode equals the reference at random points and at every kink.
pub fn conformance<P: Primitive>(p: &P, seed: u64) {
    let mut rng = Rng(seed);
    let points: Vec<Vec<f64>> = (0..50)
        .map(|_| p.sample(&mut rng))
        .chain(p.kinks())
        .collect();
    let mut worst = 0.0_f64;
    for x in &points {
        let reference = reference(p, x);
        worst = modes!(check_mode, p, x, &reference)
            .into_iter()
            .fold(worst, f64::max);
    }
    println!(
        "{}: AD modes vs f64 derivative, max rel. deviation {worst:.1e}",
        p.name()
    );
}

/// Central finite differences with step `H`: the pieces are affine (truncation error 0) or
/// smooth with third derivatives O(1/‖x‖²) ≈ O(1) at our sample scales (truncation ≈ H² = 1e-12);
/// rounding is ≈ ε·|f|/H ≈ 2e-16·10/1e-6 = 2e-9 (observed: at most 2.5e-10). `FD_TOL = 1e-7` is
/// ×50 above that bound, while a wrong branch or formula errs by O(0.1) or more.
pub const H: f64 = 1e-6;
pub const FD_TOL: f64 = 1e-7;

/// Whether the Jacobians at `x` and `y` come from the same branch (smooth variation over a
/// distance of a few `H` is ≈ 1e-6; a branch change is O(1)).
pub fn same_branch(a: &[Vec<f64>], b: &[Vec<f64>]) -> bool {
    a.iter()
        .flatten()
        .zip(b.iter().flatten())
        .all(|(u, v)| (u - v).abs() < 1e-4)
}

pub fn finite_differences<P: Primitive>(p: &P, seed: u64) {
    let mut rng = Rng(seed);
    let (mut checked, total, mut worst) = (0, 200, 0.0_f64);
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
                worst = worst.max((a - fd).abs() / (1.0 + fd.abs()));
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
    println!(
        "{}: finite differences at {checked}/{total} points, max rel. error {worst:.1e}",
        p.name()
    );
}

/// At each kink, the selected Jacobian is a limit of Jacobians at nearby differentiable points
/// (an element of the Bouligand, hence Clarke, Jacobian), probed along ± every coordinate and
/// along random directions; a 1×1 Jacobian may also lie between two such limits (the Clarke
/// Jacobian is their convex hull). `δ = 1e-7`: limits of affine pieces are reached exactly,
/// curved pieces (balls) to O(δ), far below the tolerance 1e-5.
pub fn clarke_at_kinks<P: Primitive>(p: &P, seed: u64) {
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
