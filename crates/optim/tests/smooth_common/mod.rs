//! Test-only objectives with closed-form minimisers, shared by the `smooth_*` tests.
#![allow(dead_code)]

use hypergrad_ad::Scalar;
use hypergrad_optim::Objective;

/// `f(x, θ) = ½xᵀAx − θᵀx` with a fixed SPD `A` (4×4, eigenvalues in [1, ~6.4]); minimiser
/// `x* = A⁻¹θ`.
pub struct Quadratic;

pub const A: [[f64; 4]; 4] = [
    [4.0, 1.0, 0.0, 0.5],
    [1.0, 3.0, 0.5, 0.0],
    [0.0, 0.5, 2.0, 0.3],
    [0.5, 0.0, 0.3, 1.5],
];

impl Objective for Quadratic {
    fn dim(&self) -> usize {
        4
    }
    fn dim_theta(&self) -> usize {
        4
    }
    fn value<S: Scalar>(&self, x: &[S], theta: &[S]) -> S {
        let mut s = S::zero();
        for i in 0..4 {
            for j in 0..4 {
                s += x[i] * x[j] * S::from_f64(0.5 * A[i][j]);
            }
            s -= theta[i] * x[i];
        }
        s
    }
}

/// `A·v`.
pub fn a_times(v: &[f64], out: &mut [f64]) {
    for i in 0..4 {
        out[i] = (0..4).map(|j| A[i][j] * v[j]).sum();
    }
}

/// `A⁻¹b` by Gaussian elimination without pivoting (A is SPD): an independent direct solve.
pub fn a_solve(b: &[f64]) -> Vec<f64> {
    let mut m = A;
    let mut r = b.to_vec();
    for k in 0..4 {
        for i in k + 1..4 {
            let l = m[i][k] / m[k][k];
            let pivot_row = m[k];
            for (mij, mkj) in m[i][k..].iter_mut().zip(&pivot_row[k..]) {
                *mij -= l * mkj;
            }
            r[i] -= l * r[k];
        }
    }
    let mut x = vec![0.0; 4];
    for i in (0..4).rev() {
        let s: f64 = (i + 1..4).map(|j| m[i][j] * x[j]).sum();
        x[i] = (r[i] - s) / m[i][i];
    }
    x
}

/// Rosenbrock `Σ 100(x_{i+1} − x_i²)² + (1 − x_i)²`, minimiser `(1, …, 1)`.
pub struct Rosenbrock(pub usize);

impl Objective for Rosenbrock {
    fn dim(&self) -> usize {
        self.0
    }
    fn value<S: Scalar>(&self, x: &[S], _theta: &[S]) -> S {
        x.windows(2)
            .map(|w| {
                let a = w[1] - w[0] * w[0];
                let b = S::one() - w[0];
                a * a * S::from_f64(100.0) + b * b
            })
            .sum()
    }
}

/// A deterministic pseudo-random number in [−1, 1) (splitmix-style), for seeded test data.
pub fn uniform(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

pub fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}
