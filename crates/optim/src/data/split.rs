//! Seeded train / validation splits and column standardization.

use super::Dataset;
use crate::{Design, OptimError};
use ndarray::Axis;
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// Splits the rows at random (seeded) into a training set and a validation set holding
/// `round(validation_fraction · n)` rows (at least one in each).
pub fn train_validation_split(
    data: &Dataset,
    validation_fraction: f64,
    seed: u64,
) -> Result<(Dataset, Dataset), OptimError> {
    let n = data.y.len();
    if !(validation_fraction > 0.0 && validation_fraction < 1.0) || n < 2 {
        return Err(OptimError::InvalidParameter {
            name: "validation_fraction",
            value: validation_fraction,
            reason: "must lie in (0, 1), with at least 2 rows",
        });
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
    let n_val = ((validation_fraction * n as f64).round() as usize).clamp(1, n - 1);
    let (val, train) = order.split_at(n_val);
    Ok((rows(data, train)?, rows(data, val)?))
}

fn rows(data: &Dataset, index: &[usize]) -> Result<Dataset, OptimError> {
    let x = match &data.x {
        Design::Dense(x) => Design::dense(x.select(Axis(0), index))?,
        Design::Sparse(x) => {
            let csr = x.to_csr();
            let mut tri = sprs::TriMat::new((index.len(), x.cols()));
            for (r, &i) in index.iter().enumerate() {
                if let Some(row) = csr.outer_view(i) {
                    row.iter().for_each(|(j, &v)| tri.add_triplet(r, j, v));
                }
            }
            Design::sparse(tri.to_csc())?
        }
    };
    let y = index.iter().map(|&i| data.y[i]).collect();
    Ok(Dataset {
        x,
        y,
        feature_names: data.feature_names.clone(),
    })
}

/// Standardizes the columns of `train` with the training statistics and applies the same map to
/// `validation`: dense columns to zero mean and unit variance; sparse columns only scaled, to
/// unit root-mean-square (centering would destroy sparsity). All-zero or constant columns are
/// left unscaled.
pub fn standardize(train: &mut Dataset, validation: &mut Dataset) {
    let p = train.x.n_features();
    let n = train.x.n_samples() as f64;
    let mut column = vec![0.0; train.x.n_samples()];
    for j in 0..p {
        column.iter_mut().for_each(|v| *v = 0.0);
        train.x.col_axpy(j, 1.0, &mut column);
        let centered = matches!(train.x, Design::Dense(_));
        let mean = if centered {
            column.iter().sum::<f64>() / n
        } else {
            0.0
        };
        let var = column.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        let scale = if var > 0.0 { 1.0 / var.sqrt() } else { 1.0 };
        for d in [&mut train.x, &mut validation.x] {
            match d {
                Design::Dense(x) => x.column_mut(j).mapv_inplace(|v| (v - mean) * scale),
                Design::Sparse(x) => {
                    let range = x.indptr().outer_inds_sz(j); // CSC: column j's entries
                    x.data_mut()[range].iter_mut().for_each(|v| *v *= scale);
                }
            }
        }
    }
}
