//! The linear operator at the fixed point, shared by every method: with `A = P ∂ₓT(x, θ) P`
//! (`P` the restriction to the support, the identity without one) and `B = P ∂_θT(x, θ)`,
//! Jacobian–vector products `A·V + B·E` for a chunk of lanes in one evaluation of `T` on
//! [`DualVec`] numbers, vector–Jacobian products `Aᵀw`, `Bᵀw` from one recording of `T` on a
//! tape, the criterion's gradient, and the contraction factor `ρ(A)` by power iteration.

use hypergrad_ad::{DualVec, Tape, Var};
use hypergrad_optim::FixedPointMap;
use std::cell::OnceCell;

use crate::Criterion;

/// The free coordinates of a solution (its support), as a list and as a mask.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Support {
    pub indices: Vec<usize>,
    mask: Vec<bool>,
    /// `indices` in increasing order: the order of the reductions over the support, which
    /// then add the same terms in the same order as over all coordinates (without the zeros).
    sorted: Vec<usize>,
}

impl Support {
    /// The support `indices` of a state of dimension `p`.
    pub fn new(p: usize, indices: Vec<usize>) -> Self {
        let mut mask = vec![false; p];
        indices.iter().for_each(|&j| mask[j] = true);
        let mut sorted = indices.clone();
        sorted.sort_unstable();
        Self {
            indices,
            mask,
            sorted,
        }
    }

    /// Whether coordinate `j` is in the support.
    pub fn contains(&self, j: usize) -> bool {
        self.mask[j]
    }

    /// Zeroes the entries of `v` off the support.
    pub fn restrict(&self, v: &mut [f64]) {
        v.iter_mut()
            .zip(&self.mask)
            .filter(|(_, &m)| !m)
            .for_each(|(v, _)| *v = 0.0);
    }
}

/// A vector–Jacobian product of `T` at a recorded point: `vjp(w, x̄, θ̄)` writes `x̄ = Aᵀ P w`
/// and, if given, `θ̄ = Bᵀ P w`.
pub(crate) type Vjp<'v> = dyn FnMut(&[f64], &mut [f64], Option<&mut [f64]>) + 'v;

/// `(x, θ)` with the problem, the criterion and the restriction of the operators.
pub(crate) struct FixedPoint<'a, P, C> {
    problem: &'a P,
    criterion: &'a C,
    pub x: &'a [f64],
    pub theta: &'a [f64],
    pub support: Option<&'a Support>,
    /// The criterion's gradient at this point, computed once.
    gradient: OnceCell<(Vec<f64>, Vec<f64>)>,
}

/// Dual-number buffers for `T(x + Σ εₗ vₗ, θ + Σ εₗ wₗ eᵢₗ)`, N lanes at once.
pub(crate) struct Lanes<const N: usize> {
    x: Vec<DualVec<f64, N>>,
    theta: Vec<DualVec<f64, N>>,
    out: Vec<DualVec<f64, N>>,
}

impl<'a, P: FixedPointMap, C: Criterion> FixedPoint<'a, P, C> {
    /// The operators of `problem` at `(x, θ)`, restricted to `support` if given.
    pub fn new(
        (problem, criterion): (&'a P, &'a C),
        x: &'a [f64],
        theta: &'a [f64],
        support: Option<&'a Support>,
    ) -> Self {
        Self {
            problem,
            criterion,
            x,
            theta,
            support,
            gradient: OnceCell::new(),
        }
    }

    /// The state dimension p.
    pub fn dim(&self) -> usize {
        self.x.len()
    }

    /// The same operators at another state `x` (same θ, support and criterion).
    pub fn at<'b>(&self, x: &'b [f64]) -> FixedPoint<'b, P, C>
    where
        'a: 'b,
    {
        FixedPoint::new((self.problem, self.criterion), x, self.theta, self.support)
    }

    /// `P v`.
    pub fn restrict(&self, v: &mut [f64]) {
        if let Some(s) = self.support {
            s.restrict(v);
        }
    }

    /// `aᵀb` for `a` or `b` zero off the support: the sum over the support's coordinates in
    /// increasing order, i.e. the full sum without its zero terms (O(|S|) instead of O(p)).
    pub fn dot(&self, a: &[f64], b: &[f64]) -> f64 {
        match self.support {
            Some(s) => s.sorted.iter().map(|&j| a[j] * b[j]).sum(),
            None => crate::linalg::dot(a, b),
        }
    }

    /// `‖a‖₂` for `a` zero off the support (see [`dot`](Self::dot)).
    pub fn norm(&self, a: &[f64]) -> f64 {
        self.dot(a, a).sqrt()
    }

    /// `‖a − b‖₂` for `a` and `b` zero off the support, without forming `a − b`.
    pub fn distance(&self, a: &[f64], b: &[f64]) -> f64 {
        let sq = |j: usize| (a[j] - b[j]) * (a[j] - b[j]);
        let sum: f64 = match self.support {
            Some(s) => s.sorted.iter().map(|&j| sq(j)).sum(),
            None => (0..a.len()).map(sq).sum(),
        };
        sum.sqrt()
    }

    /// `T(x, θ)` in `f64` (restricted map when there is a support).
    pub fn apply(&self) -> Vec<f64> {
        let mut out = vec![0.0; self.dim()];
        match self.support {
            Some(s) => self
                .problem
                .apply_on_support(self.x, self.theta, &s.indices, &mut out),
            None => self.problem.apply(self.x, self.theta, &mut out),
        }
        out
    }

    /// The point one Newton step towards the fixed point, `x + δ` with `(I − A)δ = r`,
    /// `r = T(x) − x` (restricted), solved by GMRES to 1 % (at most 20 products; the series
    /// `r + Ar + A²r + ρκA²r` if that fails): where the estimates evaluate their formula again
    /// to see how it moves with the inner error.
    pub fn corrected(&self, rho: f64, kappa: f64) -> Vec<f64> {
        let p = self.dim();
        let mut r = self.apply();
        r.iter_mut().zip(self.x).for_each(|(r, x)| *r -= x);
        self.restrict(&mut r);
        // GMRES in the coordinates of the support (in increasing order) when there is one:
        // `r` and every product `Av` are zero off it, so this is the same system without its
        // zero rows and columns, at O(|S|) instead of O(p) per vector operation.
        let coords: Vec<usize> = match self.support {
            Some(s) => s.sorted.clone(),
            None => (0..p).collect(),
        };
        let mut buffers = self.lanes::<1>();
        let mut full = [vec![0.0; p]];
        let mut out = [vec![0.0; p]];
        let apply = |v: &[f64], o: &mut [f64]| {
            coords.iter().zip(v).for_each(|(&j, &v)| full[0][j] = v);
            self.jvp(&mut buffers, &full, &[0], 0.0, &mut out);
            o.iter_mut()
                .zip(v)
                .zip(&coords)
                .for_each(|((o, v), &j)| *o = v - out[0][j]);
        };
        let r_coords: Vec<f64> = coords.iter().map(|&j| r[j]).collect();
        let mut delta_coords = vec![0.0; coords.len()];
        let solved = crate::linear::solve(
            crate::linear::Strategy::Fixed(crate::LinearSolver::Gmres),
            apply,
            &r_coords,
            &mut delta_coords,
            None,
            1e-2,
            20,
        );
        let delta = if solved.is_ok_and(|rep| rep.relative_residual <= 0.1) {
            let mut delta = vec![0.0; p];
            coords
                .iter()
                .zip(&delta_coords)
                .for_each(|(&j, &d)| delta[j] = d);
            delta
        } else {
            self.series(&r, rho, kappa)
        };
        self.x.iter().zip(&delta).map(|(x, d)| x + d).collect()
    }

    /// `r + Ar + A²r + ρκA²r ≈ (I − A)⁻¹r`.
    fn series(&self, r: &[f64], rho: f64, kappa: f64) -> Vec<f64> {
        let mut buffers = self.lanes::<1>();
        let mut delta = r.to_vec();
        let mut power = [r.to_vec()];
        let mut next = [vec![0.0; self.dim()]];
        for _ in 0..2 {
            self.jvp(&mut buffers, &power, &[0], 0.0, &mut next);
            delta.iter_mut().zip(&next[0]).for_each(|(d, a)| *d += a);
            std::mem::swap(&mut power, &mut next);
        }
        let tail = if kappa.is_finite() {
            rho.max(0.0) * kappa
        } else {
            0.0
        };
        delta
            .iter()
            .zip(&power[0])
            .map(|(d, last)| d + tail * last)
            .collect()
    }

    /// `(P∇ₓC, ∂_θC)` at `(x, θ)` by [`Criterion::gradient`] (the criterion reads the leading
    /// `criterion.dim_x()` entries; the others have zero gradient), computed once; by
    /// [`Criterion::gradient_on`] the support when `x` is zero off it.
    pub fn criterion_gradient(&self) -> (Vec<f64>, Vec<f64>) {
        self.gradient
            .get_or_init(|| {
                let c = self.criterion.dim_x();
                let on = self
                    .support
                    .filter(|s| (0..c).all(|j| s.contains(j) || self.x[j] == 0.0));
                let (mut gx, gt) = match on {
                    Some(s) => {
                        let read = s.sorted.partition_point(|&j| j < c);
                        self.criterion
                            .gradient_on(&self.x[..c], self.theta, &s.sorted[..read])
                    }
                    None => self.criterion.gradient(&self.x[..c], self.theta),
                };
                gx.resize(self.dim(), 0.0);
                self.restrict(&mut gx);
                (gx, gt)
            })
            .clone()
    }

    /// Empty dual buffers at this point.
    pub fn lanes<const N: usize>(&self) -> Lanes<N> {
        let constant = |v: &f64| DualVec::constant(*v);
        Lanes {
            x: self.x.iter().map(constant).collect(),
            theta: self.theta.iter().map(constant).collect(),
            out: self.x.iter().map(constant).collect(),
        }
    }

    /// For each lane `l < dx.len()`: `out[l] = A·dx[l] + weight·B·e_{lanes[l]}` (restricted),
    /// in one evaluation of `T` on `DualVec<f64, N>`.
    pub fn jvp<const N: usize>(
        &self,
        buffers: &mut Lanes<N>,
        dx: &[Vec<f64>],
        lanes: &[usize],
        weight: f64,
        out: &mut [Vec<f64>],
    ) {
        debug_assert!(dx.len() <= N && lanes.len() == dx.len() && out.len() == dx.len());
        // With a support, only its entries ever carry a tangent (the others stay constants).
        let set = |d: &mut DualVec<f64, N>, j: usize| {
            d.eps = [0.0; N];
            for (l, v) in dx.iter().enumerate() {
                d.eps[l] = v[j];
            }
        };
        match self.support {
            Some(s) => s.indices.iter().for_each(|&j| set(&mut buffers.x[j], j)),
            None => buffers
                .x
                .iter_mut()
                .enumerate()
                .for_each(|(j, d)| set(d, j)),
        }
        for d in buffers.theta.iter_mut() {
            d.eps = [0.0; N];
        }
        for (l, &lane) in lanes.iter().enumerate() {
            buffers.theta[lane].eps[l] = weight;
        }
        match self.support {
            Some(s) => self.problem.apply_on_support(
                &buffers.x,
                &buffers.theta,
                &s.indices,
                &mut buffers.out,
            ),
            None => self
                .problem
                .apply(&buffers.x, &buffers.theta, &mut buffers.out),
        }
        for (l, o) in out.iter_mut().enumerate() {
            match self.support {
                Some(s) => {
                    o.iter_mut().for_each(|v| *v = 0.0);
                    s.indices.iter().for_each(|&j| o[j] = buffers.out[j].eps[l]);
                }
                None => o
                    .iter_mut()
                    .zip(&buffers.out)
                    .for_each(|(oj, d)| *oj = d.eps[l]),
            }
        }
    }

    /// Runs `f` with the vector–Jacobian products of `T` at this point, recorded once:
    /// `vjp(w, x̄, θ̄)` writes `x̄ = Aᵀ P w` (restricted) and, if given, `θ̄ = Bᵀ P w`.
    pub fn with_vjp<R>(
        &self,
        f: impl FnOnce(&mut dyn FnMut(&[f64], &mut [f64], Option<&mut [f64]>)) -> R,
    ) -> R {
        let tape = Tape::new();
        let xs = tape.vars(self.x);
        let ts = tape.vars(self.theta);
        let mut out: Vec<Var<'_, f64>> = vec![Var::constant(0.0); self.dim()];
        match self.support {
            Some(s) => self
                .problem
                .apply_on_support(&xs, &ts, &s.indices, &mut out),
            None => self.problem.apply(&xs, &ts, &mut out),
        }
        let mut seeds = Vec::with_capacity(out.len());
        let mut restricted = vec![0.0; self.dim()];
        let mut vjp = |w: &[f64], x_bar: &mut [f64], theta_bar: Option<&mut [f64]>| {
            restricted.copy_from_slice(w);
            self.restrict(&mut restricted);
            seeds.clear();
            seeds.extend(out.iter().copied().zip(restricted.iter().copied()));
            tape.reverse(&seeds).expect(SAME_TAPE);
            tape.adjoints_into(&xs, x_bar).expect(SAME_TAPE);
            self.restrict(x_bar);
            if let Some(theta_bar) = theta_bar {
                tape.adjoints_into(&ts, theta_bar).expect(SAME_TAPE);
            }
        };
        f(&mut vjp)
    }

    /// `ρ(A)` by power iteration from `start` (or a fixed pseudo-random vector), at most
    /// `max_iter` products: the rate of `‖Aᵏv‖` over the last steps
    /// ([`rate`](crate::linalg::rate), robust to a complex pair of dominant eigenvalues and to
    /// non-normal transients), stopped after at least 8 products when it changes by less than
    /// 0.5 %. Returns the estimate and the last direction (a warm start for the next call).
    pub fn contraction(&self, start: Option<&[f64]>, max_iter: usize) -> (f64, Vec<f64>) {
        let p = self.dim();
        let mut v = match start.filter(|s| s.len() == p && s.iter().any(|x| *x != 0.0)) {
            Some(s) => s.to_vec(),
            None => (0..p)
                .map(|j| 1.0 + ((j * 7919) % 13) as f64 / 13.0)
                .collect(),
        };
        self.restrict(&mut v);
        let mut buffers = self.lanes::<1>();
        let mut norms = vec![normalize(&mut v)];
        if norms[0] == 0.0 {
            return (0.0, v);
        }
        let mut out = vec![vec![0.0; p]];
        // `‖Aᵏv₀‖`, whose rate is ρ (v is renormalized, so it is the running product).
        let mut growth = vec![1.0];
        let mut rho = f64::NAN;
        for k in 1..=max_iter {
            self.jvp(&mut buffers, std::slice::from_ref(&v), &[0], 0.0, &mut out);
            v.copy_from_slice(&out[0]);
            let n = normalize(&mut v);
            norms.push(n);
            if n == 0.0 || !n.is_finite() {
                return (if n == 0.0 { 0.0 } else { f64::INFINITY }, v);
            }
            growth.push(growth[k - 1] * n);
            if let Some(next) = crate::linalg::rate(&growth) {
                let settled = k >= 8 && (next - rho).abs() <= 0.005 * rho;
                rho = next;
                if settled {
                    break;
                }
            }
        }
        (
            if rho.is_nan() {
                norms[norms.len() - 1]
            } else {
                rho
            },
            v,
        )
    }
}

const SAME_TAPE: &str = "the variables were recorded on this tape with matching lengths";

/// Scales `v` to unit norm; returns the norm it had.
fn normalize(v: &mut [f64]) -> f64 {
    let n = crate::linalg::norm(v);
    if n > 0.0 && n.is_finite() {
        v.iter_mut().for_each(|x| *x /= n);
    }
    n
}
