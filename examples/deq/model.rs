//! A deep-equilibrium classifier (seed 003): hidden states `zᵢ = tanh(W zᵢ + U xᵢ + b)`, the
//! fixed point of one weight-tied layer, read out by `softmax(V zᵢ + c)`; trained through
//! `hypergradient` with the layer's parameters as θ. Shared by `examples/deq` and `tests/deq.rs`.
#![allow(dead_code)] // the test uses a subset

use hypergrad::ad::Scalar;
use hypergrad::bilevel::stochastic::cross_entropy;
use hypergrad::bilevel::{hypergradient, Checkpoints, Criterion, Method, Options, Warning};
use hypergrad::optim::{FixedPointMap, SolverParams};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use std::time::Instant;

/// The equilibrium layer on a set of inputs: the state is every sample's hidden vector
/// (`N·h` entries), θ = `(W, U, b, V, c)` flattened (W row-major `h × h`, U `h × d`, b `h`,
/// V `K × h`, c `K`). `T` does not read `V, c`: only the criterion does.
pub struct Deq {
    /// Inputs, `N × d`.
    pub x: Array2<f64>,
    /// Hidden units `h`.
    pub hidden: usize,
    /// Classes `K`.
    pub classes: usize,
}

/// The parts of θ.
pub struct Parts<'a, S> {
    pub w: &'a [S],
    pub u: &'a [S],
    pub b: &'a [S],
    pub v: &'a [S],
    pub c: &'a [S],
}

impl Deq {
    fn sizes(&self) -> [usize; 5] {
        let (h, d, k) = (self.hidden, self.x.ncols(), self.classes);
        [h * h, h * d, h, k * h, k]
    }

    pub fn n_params(&self) -> usize {
        self.sizes().iter().sum()
    }

    pub fn parts<'a, S>(&self, theta: &'a [S]) -> Parts<'a, S> {
        let [w, u, b, v, _] = self.sizes();
        let (w, rest) = theta.split_at(w);
        let (u, rest) = rest.split_at(u);
        let (b, rest) = rest.split_at(b);
        let (v, c) = rest.split_at(v);
        Parts { w, u, b, v, c }
    }

    /// Seeded Gaussian parameters, `W` rescaled to spectral norm `w_norm`.
    pub fn init(&self, seed: u64, w_norm: f64) -> Vec<f64> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut theta: Vec<f64> = (0..self.n_params())
            .map(|_| 0.5 * rng.sample::<f64, _>(StandardNormal))
            .collect();
        let h = self.hidden;
        let norm = spectral_norm(&theta[..h * h], h);
        theta[..h * h].iter_mut().for_each(|w| *w *= w_norm / norm);
        theta
    }

    /// The class scores `V zᵢ + c` of every sample at the states `z`.
    pub fn scores<S: Scalar>(&self, z: &[S], theta: &[S]) -> Vec<Vec<S>> {
        let p = self.parts(theta);
        let h = self.hidden;
        z.chunks(h)
            .map(|zi| {
                (0..self.classes)
                    .map(|k| S::dot(&p.v[k * h..(k + 1) * h], zi) + p.c[k])
                    .collect()
            })
            .collect()
    }

    /// Predicted classes at θ (the equilibrium solved to 1e-10, or 500 iterations).
    pub fn predict(&self, theta: &[f64]) -> Vec<usize> {
        let params = SolverParams {
            max_iter: 500,
            tol: 1e-10,
            record_history: false,
        };
        let z = self.solve(theta, None, &params).expect("valid θ").x;
        self.scores(&z, theta)
            .iter()
            .map(|s| {
                (0..s.len())
                    .max_by(|&a, &b| s[a].total_cmp(&s[b]))
                    .unwrap_or(0)
            })
            .collect()
    }
}

impl FixedPointMap for Deq {
    fn dim_x(&self) -> usize {
        self.x.nrows() * self.hidden
    }
    fn dim_theta(&self) -> usize {
        self.n_params()
    }
    /// `T(z)ᵢ = tanh(W zᵢ + U xᵢ + b)` for every sample `i`.
    fn apply<S: Scalar>(&self, z: &[S], theta: &[S], out: &mut [S]) {
        let p = self.parts(theta);
        let (h, d) = (self.hidden, self.x.ncols());
        for (i, (zi, oi)) in z.chunks(h).zip(out.chunks_mut(h)).enumerate() {
            let xi = self.x.row(i);
            let xi = xi.as_slice().expect("inputs stored row-major");
            for (j, o) in oi.iter_mut().enumerate() {
                let pre = S::dot(&p.w[j * h..(j + 1) * h], zi)
                    + S::dot_const(&p.u[j * d..(j + 1) * d], xi)
                    + p.b[j];
                *o = pre.tanh();
            }
        }
    }
}

/// The training criterion: mean cross-entropy of the read-out at the equilibrium.
pub struct Loss<'a> {
    pub deq: &'a Deq,
    pub labels: &'a [usize],
}

impl Criterion for Loss<'_> {
    fn dim_x(&self) -> usize {
        self.deq.dim_x()
    }
    fn value<S: Scalar>(&self, z: &[S], theta: &[S]) -> S {
        let total: S = self
            .deq
            .scores(z, theta)
            .iter()
            .zip(self.labels)
            .map(|(s, &y)| cross_entropy(s, y))
            .sum();
        total / self.labels.len() as f64
    }
}

/// `‖W‖₂` of a row-major `h × h` matrix, by power iteration on `WᵀW`.
pub fn spectral_norm(w: &[f64], h: usize) -> f64 {
    let mut v = vec![1.0; h];
    let mut norm = 0.0;
    for _ in 0..200 {
        let wv: Vec<f64> = (0..h)
            .map(|i| (0..h).map(|j| w[i * h + j] * v[j]).sum())
            .collect();
        let wtwv: Vec<f64> = (0..h)
            .map(|j| (0..h).map(|i| w[i * h + j] * wv[i]).sum())
            .collect();
        let n = wtwv.iter().map(|x| x * x).sum::<f64>().sqrt();
        if n == 0.0 {
            return 0.0;
        }
        v = wtwv.iter().map(|x| x / n).collect();
        norm = n.sqrt();
    }
    norm
}

/// How the gradient of the training loss is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Training {
    /// Implicit differentiation at the equilibrium (`Method::Auto`).
    Implicit,
    /// Backpropagation through the forward iterations from `z = 0` (`Method::ReverseUnrolled`).
    Unrolled,
    /// Jacobian-free backpropagation (`(I − ∂_zT)⁻¹ ≈ I`, `Method::JacobianFree`).
    JacobianFree,
}

/// The contraction factor above which the layer is treated as not contracting.
pub const RHO_MAX: f64 = 0.95;
/// `‖W‖₂` after a rescale (`tanh` is 1-Lipschitz, so `ρ ≤ ‖W‖₂ < 1` then).
pub const W_NORM: f64 = 0.9;
/// Forward iterations of the unrolled fallback.
pub const FALLBACK_DEPTH: usize = 30;

/// What a training run did.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Training loss at every step.
    pub losses: Vec<f64>,
    /// Steps whose gradient came from the unrolled fallback.
    pub fallbacks: usize,
    /// Times `W` was rescaled to `‖W‖₂ = W_NORM`.
    pub rescales: usize,
    /// The largest contraction estimate met (where the method reported one).
    pub max_rho: f64,
    pub seconds: f64,
}

fn options(max_iter: usize) -> Options {
    Options {
        inner_tol: 1e-9,
        inner_max_iter: max_iter,
        jacobian_tol: 1e-8,
        ..Options::default()
    }
}

/// Whether the diagnostics show a contracting layer: the equilibrium was reached, no
/// `NotContracting` warning, and the measured `ρ` (if any) below [`RHO_MAX`].
fn contracting(d: &hypergrad::bilevel::Diagnostics) -> bool {
    d.inner.converged()
        && !d
            .warnings
            .iter()
            .any(|w| matches!(w, Warning::NotContracting { .. }))
        && d.contraction.is_none_or(|r| r < RHO_MAX)
}

/// Adam (`β = (0.9, 0.999)`) on the training loss for `steps` steps of size `lr` from `theta`.
///
/// Safeguard, for every mode: when the diagnostics of a step say the fixed-point iteration
/// does not contract (inner solve capped at 300 iterations, `Warning::NotContracting`, or
/// `ρ ≥ RHO_MAX`), that step's gradient is the unrolled one through [`FALLBACK_DEPTH`]
/// iterations from 0 (a finite weight-tied network, well defined whatever `W`), and `W` is
/// rescaled to `‖W‖₂ = W_NORM` after the step, which restores `ρ < 1`.
pub fn train(
    deq: &Deq,
    labels: &[usize],
    theta: &mut [f64],
    mode: Training,
    steps: usize,
    lr: f64,
) -> Report {
    let loss = Loss { deq, labels };
    let method = match mode {
        Training::Implicit => Method::Auto,
        Training::Unrolled => Method::ReverseUnrolled {
            truncate: None,
            checkpoints: Checkpoints::Uniform,
        },
        Training::JacobianFree => Method::JacobianFree,
    };
    let unrolled = Method::ReverseUnrolled {
        truncate: None,
        checkpoints: Checkpoints::Uniform,
    };
    let (mut m, mut v) = (vec![0.0; theta.len()], vec![0.0; theta.len()]);
    let mut report = Report::default();
    let start = Instant::now();
    let h = deq.hidden;
    for t in 1..=steps {
        let result = hypergradient(deq, &loss, theta, &method, &options(300))
            .expect("a bounded layer always has a finite equilibrium iteration");
        let rho = result.diagnostics.contraction.unwrap_or(0.0);
        report.max_rho = report.max_rho.max(rho);
        let safe = contracting(&result.diagnostics);
        let result = if safe {
            result
        } else {
            report.fallbacks += 1;
            hypergradient(deq, &loss, theta, &unrolled, &options(FALLBACK_DEPTH))
                .expect("unrolling a bounded layer is finite")
        };
        report.losses.push(result.value);
        let (b1, b2) = (0.9_f64, 0.999_f64);
        for (k, g) in result.grad.iter().enumerate() {
            m[k] = b1 * m[k] + (1.0 - b1) * g;
            v[k] = b2 * v[k] + (1.0 - b2) * g * g;
            let (mh, vh) = (
                m[k] / (1.0 - b1.powi(t as i32)),
                v[k] / (1.0 - b2.powi(t as i32)),
            );
            theta[k] -= lr * mh / (vh.sqrt() + 1e-8);
        }
        if !safe {
            let norm = spectral_norm(&theta[..h * h], h);
            if norm > W_NORM {
                report.rescales += 1;
                theta[..h * h].iter_mut().for_each(|w| *w *= W_NORM / norm);
            }
        }
    }
    report.seconds = start.elapsed().as_secs_f64();
    report
}

/// Three noisy concentric rings (radii 1, 2, 3: class 0, 1, 2), `n` points, seeded.
pub fn rings(n: usize, seed: u64) -> (Array2<f64>, Vec<usize>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let labels: Vec<usize> = (0..n).map(|i| i % 3).collect();
    let mut x = Array2::zeros((n, 2));
    for (i, &y) in labels.iter().enumerate() {
        let angle = rng.gen::<f64>() * std::f64::consts::TAU;
        let radius = (y + 1) as f64 + 0.2 * rng.sample::<f64, _>(StandardNormal);
        x[[i, 0]] = radius * angle.cos() / 2.0;
        x[[i, 1]] = radius * angle.sin() / 2.0;
    }
    (x, labels)
}

/// The fraction of `predicted` equal to `labels`.
pub fn accuracy(predicted: &[usize], labels: &[usize]) -> f64 {
    let hits = predicted.iter().zip(labels).filter(|(a, b)| a == b).count();
    hits as f64 / labels.len() as f64
}
