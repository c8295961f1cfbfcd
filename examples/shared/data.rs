//! Seeded synthetic regression data for the gallery examples: correlated Gaussian designs and
//! sparse linear responses. Included by each example with `#[path]`.
#![allow(dead_code)] // each example uses a subset

use ndarray::{Array1, Array2};
use rand::rngs::StdRng;
use rand::Rng;
use rand_distr::StandardNormal;

/// `rows × p` Gaussian features with unit variance and `corr(X_j, X_k) = ρ^|j−k|` (each row an
/// AR(1) sequence).
pub fn correlated_design(rows: usize, p: usize, rho: f64, rng: &mut StdRng) -> Array2<f64> {
    let innovation = (1.0 - rho * rho).sqrt();
    let mut x = Array2::zeros((rows, p));
    for i in 0..rows {
        let mut previous: f64 = rng.sample(StandardNormal);
        x[[i, 0]] = previous;
        for j in 1..p {
            let z: f64 = rng.sample(StandardNormal);
            previous = rho * previous + innovation * z;
            x[[i, j]] = previous;
        }
    }
    x
}

/// `y = Xβ + σε`, `ε ~ N(0, I)`.
pub fn response(x: &Array2<f64>, beta: &Array1<f64>, sigma: f64, rng: &mut StdRng) -> Array1<f64> {
    x.dot(beta) + Array1::from_shape_fn(x.nrows(), |_| sigma * rng.sample::<f64, _>(StandardNormal))
}

/// `β` with `values` at `indices`, 0 elsewhere.
pub fn sparse(p: usize, indices: &[usize], values: &[f64]) -> Array1<f64> {
    let mut beta = Array1::zeros(p);
    indices.iter().zip(values).for_each(|(&j, &v)| beta[j] = v);
    beta
}

/// `‖y − Xβ‖² / n`.
pub fn mse(x: &Array2<f64>, y: &Array1<f64>, beta: &[f64]) -> f64 {
    let fit = x.dot(&Array1::from(beta.to_vec()));
    (y - &fit).mapv(|r| r * r).mean().unwrap_or(f64::NAN)
}
