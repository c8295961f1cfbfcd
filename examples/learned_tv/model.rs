//! A learned regularizer (seed 002): one weight per edge of a smoothed 1-D total variation,
//! learned by bilevel optimization on noisy/clean signal pairs. Shared by `examples/learned_tv`
//! and `tests/learned_tv.rs`.
#![allow(dead_code)] // the test uses a subset

use hypergrad::ad::Scalar;
use hypergrad::bilevel::outer::{Bilevel, Lbfgs, LineSearch};
use hypergrad::bilevel::{BilevelError, Criterion, Method, Options};
use hypergrad::optim::{FixedPointMap, SolverParams};
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

/// Denoising of `m` signals of length `n` at once (the state is the `m·n` denoised samples):
///
/// `xₚ*(θ) = argmin ½‖x − yₚ‖² + Σₖ e^{θₖ} √((x_{k+1} − x_k)² + ε²)`,   θ ∈ ℝⁿ⁻¹,
///
/// one log-weight per edge shared by every signal. The map is the gradient step
/// `T(x) = x − s∇f(x)` with `s = 1/(1 + 4·maxₖ e^{θₖ}/ε)` (1 over a bound on `‖∇²f‖`), its
/// value held constant in derivatives (exact at the fixed point, where `∇f = 0`).
pub struct WeightedTv {
    /// The noisy signals `yₚ`, concatenated.
    pub noisy: Vec<f64>,
    /// Samples per signal `n`.
    pub len: usize,
    /// The smoothing `ε > 0`.
    pub eps: f64,
}

impl FixedPointMap for WeightedTv {
    fn dim_x(&self) -> usize {
        self.noisy.len()
    }
    fn dim_theta(&self) -> usize {
        self.len - 1
    }
    fn apply<S: Scalar>(&self, x: &[S], theta: &[S], out: &mut [S]) {
        let largest = theta
            .iter()
            .fold(f64::NEG_INFINITY, |m, t| m.max(t.to_f64_value()));
        let step = 1.0 / (1.0 + 4.0 * largest.exp() / self.eps);
        let weights: Vec<S> = theta.iter().map(|t| t.exp()).collect();
        let eps2 = self.eps * self.eps;
        for ((xp, yp), op) in x
            .chunks(self.len)
            .zip(self.noisy.chunks(self.len))
            .zip(out.chunks_mut(self.len))
        {
            // ∇f = (x − y) + Dᵀ(w ⊙ d/√(d² + ε²)), d = Dx.
            for ((o, &xi), &yi) in op.iter_mut().zip(xp).zip(yp) {
                *o = xi - yi;
            }
            for (k, &w) in weights.iter().enumerate() {
                let d = xp[k + 1] - xp[k];
                let flux = w * d / (d * d + eps2).sqrt();
                op[k + 1] += flux;
                op[k] -= flux;
            }
            for (o, &xi) in op.iter_mut().zip(xp) {
                *o = xi - *o * step;
            }
        }
    }
}

/// `1/(m·n) Σₚ ½‖xₚ − cₚ‖²` against the clean signals `cₚ`.
pub struct CleanMse {
    /// The clean signals, concatenated.
    pub clean: Vec<f64>,
}

impl Criterion for CleanMse {
    fn dim_x(&self) -> usize {
        self.clean.len()
    }
    fn value<S: Scalar>(&self, x: &[S], _theta: &[S]) -> S {
        let total: S = x
            .iter()
            .zip(&self.clean)
            .map(|(&xi, &ci)| (xi - ci) * (xi - ci))
            .sum();
        total * (0.5 / self.clean.len() as f64)
    }
}

/// `m` piecewise-constant signals of length `n` with jumps only at multiples of `period`
/// (heights uniform in [−1, 1]) and Gaussian noise of deviation `sigma`: (noisy, clean).
pub fn signals(m: usize, n: usize, period: usize, sigma: f64, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut clean = Vec::with_capacity(m * n);
    for _ in 0..m {
        let mut level = 0.0;
        for k in 0..n {
            if k % period == 0 {
                level = rng.gen_range(-1.0..1.0);
            }
            clean.push(level);
        }
    }
    let noisy = clean
        .iter()
        .map(|c| c + sigma * rng.sample::<f64, _>(StandardNormal))
        .collect();
    (noisy, clean)
}

/// The box on every log-weight: `e^θ ≤ e^{0.5}` keeps the step `s ≥ ε/(1 + 4e^{0.5})`.
pub const BOUNDS: (f64, f64) = (-7.0, 0.5);

/// The options of every solve and hypergradient: the map contracts at `1 − s·1` at worst
/// (`≈ 0.985` for ε = 0.1), so 1e-10 takes some 1 500 iterations; 20 000 allowed.
pub fn options() -> Options {
    Options {
        inner_tol: 1e-10,
        inner_max_iter: 20_000,
        ..Options::default()
    }
}

/// `1/(m·n) Σₚ ½‖xₚ*(θ) − cₚ‖²`, the denoising error of `problem` at θ.
pub fn mse(problem: &WeightedTv, clean: &[f64], theta: &[f64]) -> Result<f64, BilevelError> {
    let params = SolverParams {
        max_iter: 20_000,
        tol: 1e-10,
        record_history: false,
    };
    let x = problem.solve(theta, None, &params)?.x;
    let criterion = CleanMse {
        clean: clean.to_vec(),
    };
    Ok(criterion.value(&x, theta))
}

/// The best single weight on a grid of 30 log-weights over [`BOUNDS`] (by training error),
/// then one weight per edge by L-BFGS on the implicit hypergradient from it: (scalar θ,
/// learned θ).
pub fn learn(train: &WeightedTv, clean: &[f64]) -> Result<(Vec<f64>, Vec<f64>), BilevelError> {
    let edges = train.dim_theta();
    let mut scalar = (f64::INFINITY, vec![0.0; edges]);
    for k in 0..30 {
        let t = BOUNDS.0 + (BOUNDS.1 - BOUNDS.0) * k as f64 / 29.0;
        let theta = vec![t; edges];
        let value = mse(train, clean, &theta)?;
        if value < scalar.0 {
            scalar = (value, theta);
        }
    }
    let criterion = CleanMse {
        clean: clean.to_vec(),
    };
    let mut objective = Bilevel::new(train, &criterion, Method::Auto, options());
    let line_search = LineSearch {
        bounds: BOUNDS,
        max_steps: 60,
        ..LineSearch::default()
    };
    let run = Lbfgs {
        line_search,
        ..Lbfgs::default()
    }
    .run(&mut objective, &scalar.1)?;
    Ok((scalar.1, run.best().log_alpha.clone()))
}
