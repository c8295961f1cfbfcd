//! Seeded Lasso problems shared by the benches: a dense Gaussian design and a sparse design
//! with a fixed number of non-zeros per column, y = Xβ* + 0.1·noise with β* of 20 non-zeros.

// Each bench compiles this module on its own and uses a subset of it.
#![allow(dead_code)]

use hypergrad::optim::Design;
use ndarray::{Array1, Array2, ShapeBuilder};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use sprs::TriMat;
use std::io::Write;

/// β* with 20 non-zeros ±(1..=20) spread over the features.
fn true_coefficients(p: usize) -> Vec<f64> {
    let mut beta = vec![0.0; p];
    for k in 0..20 {
        beta[k * p / 20] = (k as f64 + 1.0) * if k % 2 == 0 { 1.0 } else { -1.0 };
    }
    beta
}

/// `y = Xβ* + 0.1·ε` for a design given as a matvec closure.
fn targets(n: usize, xb: Vec<f64>, rng: &mut StdRng) -> Array1<f64> {
    (0..n)
        .map(|i| xb[i] + 0.1 * rng.sample::<f64, _>(StandardNormal))
        .collect()
}

/// A dense n×p Gaussian design (column-major) and its targets.
pub fn dense_problem(n: usize, p: usize, seed: u64) -> (Design, Array1<f64>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut x = Array2::<f64>::zeros((n, p).f());
    x.iter_mut().for_each(|v| *v = rng.sample(StandardNormal));
    let design = Design::dense(x).unwrap();
    let mut xb = vec![0.0; n];
    design.matvec(&true_coefficients(p), &mut xb);
    let y = targets(n, xb, &mut rng);
    (design, y)
}

/// A sparse n×p CSC design with `per_column` Gaussian non-zeros per column, and its targets.
pub fn sparse_problem(n: usize, p: usize, per_column: usize, seed: u64) -> (Design, Array1<f64>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut tri = TriMat::with_capacity((n, p), p * per_column);
    for j in 0..p {
        for i in rand::seq::index::sample(&mut rng, n, per_column) {
            tri.add_triplet(i, j, rng.sample::<f64, _>(StandardNormal));
        }
    }
    let design = Design::sparse(tri.to_csc()).unwrap();
    let mut xb = vec![0.0; n];
    design.matvec(&true_coefficients(p), &mut xb);
    let y = targets(n, xb, &mut rng);
    (design, y)
}

/// A dense n×p design whose rows are AR(1) sequences, `corr(X_j, X_k) = ρ^|j−k|`, and
/// `y = Xβ* + ε` (unit noise) with β* = 1 on every 50th feature: a harder Lasso (correlated
/// columns, a support of ~n at α_max/100) than [`dense_problem`].
pub fn correlated_problem(n: usize, p: usize, rho: f64, seed: u64) -> (Design, Array1<f64>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut x = Array2::<f64>::zeros((n, p).f());
    let innovation = (1.0 - rho * rho).sqrt();
    for i in 0..n {
        let mut previous: f64 = rng.sample(StandardNormal);
        x[[i, 0]] = previous;
        for j in 1..p {
            previous = rho * previous + innovation * rng.sample::<f64, _>(StandardNormal);
            x[[i, j]] = previous;
        }
    }
    let design = Design::dense(x).unwrap();
    let beta: Vec<f64> = (0..p)
        .map(|j| if j % 50 == 0 { 1.0 } else { 0.0 })
        .collect();
    let mut xb = vec![0.0; n];
    design.matvec(&beta, &mut xb);
    let y = (0..n)
        .map(|i| xb[i] + rng.sample::<f64, _>(StandardNormal))
        .collect();
    (design, y)
}

pub fn write_raw<T: Copy>(path: &std::path::Path, values: &[T], to_bytes: impl Fn(T) -> [u8; 8]) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for &v in values {
        file.write_all(&to_bytes(v)).unwrap();
    }
}

/// Writes `NAME_y.f64` and `NAME_x.f64` (dense, column-major) or `NAME_{indptr,indices}.u64` +
/// `NAME_data.f64` (CSC).
pub fn dump(dir: &str, name: &str, design: &Design, y: &Array1<f64>) {
    let dir = std::path::Path::new(dir);
    std::fs::create_dir_all(dir).unwrap();
    write_raw(
        &dir.join(format!("{name}_y.f64")),
        y.as_slice().unwrap(),
        f64::to_le_bytes,
    );
    match design {
        Design::Dense(x) => {
            let column_major: Vec<f64> = x.t().iter().copied().collect();
            write_raw(
                &dir.join(format!("{name}_x.f64")),
                &column_major,
                f64::to_le_bytes,
            );
        }
        Design::Sparse(x) => {
            let to_u64 = |v: usize| (v as u64).to_le_bytes();
            let indptr = x.indptr().to_proper().to_vec();
            write_raw(&dir.join(format!("{name}_indptr.u64")), &indptr, to_u64);
            write_raw(
                &dir.join(format!("{name}_indices.u64")),
                x.indices(),
                to_u64,
            );
            write_raw(
                &dir.join(format!("{name}_data.f64")),
                x.data(),
                f64::to_le_bytes,
            );
        }
        Design::Centered { .. } => panic!("the peers read raw designs: dump before centering"),
    }
}
