//! Seeded problems and optimality checks shared by the coordinate-descent tests.
#![allow(dead_code)] // each test file uses a subset

use hypergrad_optim::{CoordinateDescent, Design, SolverParams};
use ndarray::{Array1, Array2, ShapeBuilder};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use sprs::{CsMat, TriMat};

/// A column-major Gaussian design, a sparse β* (first `k` entries ±1..) and `y = Xβ* + 0.1·noise`.
pub fn gaussian_problem(n: usize, p: usize, k: usize, seed: u64) -> (Array2<f64>, Array1<f64>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut x = Array2::<f64>::zeros((n, p).f());
    x.iter_mut().for_each(|v| *v = rng.sample(StandardNormal));
    let beta: Array1<f64> = (0..p)
        .map(|j| {
            if j < k {
                (j as f64 + 1.0) * if j % 2 == 0 { 1.0 } else { -1.0 }
            } else {
                0.0
            }
        })
        .collect();
    let noise: Array1<f64> = (0..n)
        .map(|_| 0.1 * rng.sample::<f64, _>(StandardNormal))
        .collect();
    (x.clone(), x.dot(&beta) + noise)
}

/// A sparse design with the given density (Gaussian non-zeros), as CSC, and its dense copy.
pub fn sparse_problem(
    n: usize,
    p: usize,
    density: f64,
    k: usize,
    seed: u64,
) -> (CsMat<f64>, Array2<f64>, Array1<f64>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut tri = TriMat::new((n, p));
    let mut dense = Array2::<f64>::zeros((n, p).f());
    for j in 0..p {
        for i in 0..n {
            if rng.gen::<f64>() < density {
                let v: f64 = rng.sample(StandardNormal);
                tri.add_triplet(i, j, v);
                dense[[i, j]] = v;
            }
        }
    }
    let beta: Array1<f64> = (0..p)
        .map(|j| if j < k { 1.0 + j as f64 } else { 0.0 })
        .collect();
    let y = dense.dot(&beta)
        + (0..n)
            .map(|_| 0.1 * rng.sample::<f64, _>(StandardNormal))
            .collect::<Array1<f64>>();
    (tri.to_csc(), dense, y)
}

/// `sign(X β*)` labels with 10% flipped, for logistic tests.
pub fn labels(x: &Array2<f64>, seed: u64) -> Array1<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    let beta: Array1<f64> = (0..x.ncols())
        .map(|j| if j < 3 { 1.0 } else { 0.0 })
        .collect();
    x.dot(&beta)
        .mapv(|z| if z >= 0.0 { 1.0 } else { -1.0 })
        .mapv(|l| if rng.gen::<f64>() < 0.1 { -l } else { l })
}

/// A coordinate-descent solver with a tight relative gap tolerance.
pub fn solver(tol: f64) -> CoordinateDescent {
    CoordinateDescent::new(SolverParams {
        max_iter: 100_000,
        tol,
        record_history: false,
    })
}

/// `Xᵀv/n` through a dense copy of the design (an independent computation of the kernels').
pub fn correlation(x: &Array2<f64>, v: &Array1<f64>) -> Array1<f64> {
    x.t().dot(v) / x.nrows() as f64
}

/// Largest violation of the optimality conditions of `1/(2n)‖y − Xβ‖² + Σ a_j|β_j| + b/2‖β‖²`:
/// with `g = Xᵀ(y − Xβ)/n − bβ`, `g_j = a_j sign(β_j)` where `β_j ≠ 0` and `|g_j| ≤ a_j` where
/// `β_j = 0`.
pub fn kkt_violation(x: &Array2<f64>, y: &Array1<f64>, beta: &[f64], a: &[f64], b: f64) -> f64 {
    let beta = Array1::from(beta.to_vec());
    let g = correlation(x, &(y - &x.dot(&beta))) - &(&beta * b);
    subgradient_violation(g.as_slice().unwrap(), beta.as_slice().unwrap(), a)
}

/// `max_j` violation of `g_j ∈ a_j ∂|β_j|`.
pub fn subgradient_violation(g: &[f64], beta: &[f64], a: &[f64]) -> f64 {
    g.iter()
        .zip(beta)
        .zip(a)
        .map(|((&gj, &bj), &aj)| {
            if bj != 0.0 {
                (gj - aj * bj.signum()).abs()
            } else {
                (gj.abs() - aj).max(0.0)
            }
        })
        .fold(0.0, f64::max)
}

/// Column-major dense design, checked.
pub fn dense(x: &Array2<f64>) -> Design {
    Design::dense(x.clone()).unwrap()
}

/// Weak duality at perturbations of a solution: `P(β) − P* ≤ gap(β)` (with slack `1e-12·P(0)`
/// for the error in P*, which is known to a gap of at most 1e-13·P(0) in the callers).
pub fn assert_gap_bounds_suboptimality(
    value: impl Fn(&[f64]) -> f64,
    gap: impl Fn(&[f64]) -> f64,
    solution: &[f64],
) {
    let p0 = value(&vec![0.0; solution.len()]);
    let optimum = value(solution);
    for scale in [0.0, 0.5, 1.0, 2.0] {
        let beta: Vec<f64> = solution
            .iter()
            .enumerate()
            .map(|(j, b)| b * scale + (j % 5) as f64 * 0.02)
            .collect();
        assert!(value(&beta) - optimum <= gap(&beta) + 1e-12 * p0);
    }
}
