//! Seeded train / validation splits, K-fold splits and folds from given labels.

use super::Dataset;
use crate::{Design, OptimError};
use ndarray::Axis;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::collections::BTreeMap;

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

/// K-fold cross-validation splits: the rows are shuffled (seeded) and cut into `k` folds whose
/// sizes differ by at most one (the first `n mod k` folds hold `⌈n/k⌉` rows, the others
/// `⌊n/k⌋`); pair `i` is (train = the other `k − 1` folds, validation = fold `i`), so the
/// validation sets partition the rows. Errors: `k < 2` or `k > n`.
///
/// ```
/// use hypergrad_optim::data::{diabetes, kfold};
///
/// let folds = kfold(&diabetes(), 5, 0).unwrap(); // 442 rows: folds of 89, 89, 88, 88, 88
/// assert_eq!(folds.len(), 5);
/// assert!(folds.iter().all(|(train, val)| train.y.len() + val.y.len() == 442));
/// assert_eq!(folds[0].1.y.len(), 89);
/// assert!(kfold(&diabetes(), 1, 0).is_err());
/// ```
pub fn kfold(data: &Dataset, k: usize, seed: u64) -> Result<Vec<(Dataset, Dataset)>, OptimError> {
    let n = data.y.len();
    if k < 2 || k > n {
        return Err(OptimError::InvalidParameter {
            name: "k",
            value: k as f64,
            reason: "the number of folds must satisfy 2 ≤ k ≤ number of rows",
        });
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
    let (base, extra) = (n / k, n % k);
    let mut start = 0;
    (0..k)
        .map(|i| {
            let end = start + base + usize::from(i < extra);
            let train: Vec<usize> = order[..start]
                .iter()
                .chain(&order[end..])
                .copied()
                .collect();
            let pair = (rows(data, &train)?, rows(data, &order[start..end])?);
            start = end;
            Ok(pair)
        })
        .collect()
}

/// Cross-validation splits from given fold labels, one per row (scikit-learn's
/// `PredefinedSplit` / `GroupKFold` with one group per fold): fold `i` holds the rows of the
/// `i`-th smallest distinct label, in their original order; pair `i` is (train = every other
/// row, validation = fold `i`). Every fold is non-empty by construction. Errors: `labels` not of
/// length n; fewer than 2 distinct labels.
///
/// ```
/// use hypergrad_optim::data::{diabetes, labelled_folds};
///
/// let data = diabetes(); // 442 rows: fold 0 the even rows, fold 1 the odd rows
/// let labels: Vec<usize> = (0..442).map(|i| i % 2).collect();
/// let folds = labelled_folds(&data, &labels).unwrap();
/// assert_eq!(folds.len(), 2);
/// assert_eq!(folds[1].1.y[0], data.y[1]);
/// assert!(labelled_folds(&data, &vec![0; 442]).is_err());
/// ```
pub fn labelled_folds<L: Ord>(
    data: &Dataset,
    labels: &[L],
) -> Result<Vec<(Dataset, Dataset)>, OptimError> {
    let n = data.y.len();
    if labels.len() != n {
        return Err(OptimError::ShapeMismatch {
            what: "fold labels",
            expected: n,
            got: labels.len(),
        });
    }
    let mut folds: BTreeMap<&L, Vec<usize>> = BTreeMap::new();
    labels
        .iter()
        .enumerate()
        .for_each(|(i, label)| folds.entry(label).or_default().push(i));
    if folds.len() < 2 {
        return Err(OptimError::InvalidParameter {
            name: "fold labels",
            value: folds.len() as f64,
            reason: "cross-validation needs at least 2 distinct fold labels",
        });
    }
    folds
        .values()
        .map(|val| {
            let mut in_val = vec![false; n];
            val.iter().for_each(|&i| in_val[i] = true);
            let train: Vec<usize> = (0..n).filter(|&i| !in_val[i]).collect();
            Ok((rows(data, &train)?, rows(data, val)?))
        })
        .collect()
}

fn rows(data: &Dataset, index: &[usize]) -> Result<Dataset, OptimError> {
    let x = match &data.x {
        Design::Dense(x) => Design::dense(x.select(Axis(0), index))?,
        Design::Sparse(x) | Design::Centered { x, .. } => {
            let csr = x.to_csr();
            let mut tri = sprs::TriMat::new((index.len(), x.cols()));
            for (r, &i) in index.iter().enumerate() {
                if let Some(row) = csr.outer_view(i) {
                    row.iter().for_each(|(j, &v)| tri.add_triplet(r, j, v));
                }
            }
            match &data.x {
                Design::Centered { shift, .. } => Design::centered(tri.to_csc(), shift.clone())?,
                _ => Design::sparse(tri.to_csc())?,
            }
        }
    };
    let y = index.iter().map(|&i| data.y[i]).collect();
    Ok(Dataset {
        x,
        y,
        feature_names: data.feature_names.clone(),
        columns: data.columns.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    /// `n` rows whose target and single feature are the row index, so every row is traceable.
    fn indexed(n: usize) -> Dataset {
        let x = Array2::from_shape_fn((n, 1), |(i, _)| i as f64);
        Dataset::new(
            Design::dense(x).unwrap(),
            (0..n).map(|i| i as f64).collect(),
        )
        .unwrap()
    }

    fn ids(d: &Dataset) -> Vec<usize> {
        d.y.iter().map(|&v| v as usize).collect()
    }

    #[test]
    fn kfold_validation_folds_partition_the_rows() {
        let (n, k) = (23, 5);
        let folds = kfold(&indexed(n), k, 7).unwrap();
        assert_eq!(folds.len(), k);
        let mut seen = vec![0; n];
        for (train, val) in &folds {
            // 23 = 3·5 + 3 rows in 5 folds: sizes 5, 5, 5, 4, 4.
            assert!((4..=5).contains(&val.y.len()), "{}", val.y.len());
            assert_eq!(train.y.len() + val.y.len(), n);
            assert_eq!(train.x.n_samples(), train.y.len());
            let (t, v) = (ids(train), ids(val));
            assert!(v.iter().all(|i| !t.contains(i)));
            v.iter().for_each(|&i| seen[i] += 1);
            // Features travel with their targets.
            if let Design::Dense(x) = &val.x {
                assert!(x.column(0).iter().zip(&val.y).all(|(a, b)| a == b));
            }
        }
        assert!(seen.iter().all(|&c| c == 1), "{seen:?}");
        let sizes: Vec<usize> = folds.iter().map(|(_, v)| v.y.len()).collect();
        assert_eq!(sizes, vec![5, 5, 5, 4, 4]);
    }

    #[test]
    fn kfold_is_deterministic_per_seed_and_shuffles() {
        let data = indexed(40);
        let folds = |seed| -> Vec<Vec<usize>> {
            kfold(&data, 4, seed)
                .unwrap()
                .iter()
                .map(|(_, v)| ids(v))
                .collect()
        };
        assert_eq!(folds(1), folds(1));
        assert_ne!(folds(1), folds(2));
        // A shuffle, not contiguous blocks of the original order.
        assert_ne!(folds(1)[0], (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn kfold_sparse_rows_and_bad_k() {
        let mut tri = sprs::TriMat::new((6, 2));
        (0..6).for_each(|i| tri.add_triplet(i, i % 2, i as f64 + 1.0));
        let data = Dataset::new(
            Design::sparse(tri.to_csc()).unwrap(),
            (0..6).map(|i| i as f64).collect(),
        )
        .unwrap();
        for (_, val) in kfold(&data, 3, 0).unwrap() {
            let Design::Sparse(x) = &val.x else {
                panic!("sparse stays sparse")
            };
            for (r, &y) in val.y.iter().enumerate() {
                let i = y as usize;
                assert_eq!(x.get(r, i % 2), Some(&(i as f64 + 1.0)));
            }
        }
        for k in [0, 1, 7] {
            assert!(matches!(
                kfold(&data, k, 0),
                Err(OptimError::InvalidParameter { name: "k", .. })
            ));
        }
        assert_eq!(kfold(&data, 6, 0).unwrap().len(), 6);
    }
    #[test]
    fn labelled_folds_follow_the_labels() {
        let labels = ["b", "a", "b", "c", "a", "a"];
        let folds = labelled_folds(&indexed(6), &labels).unwrap();
        let val: Vec<Vec<usize>> = folds.iter().map(|(_, v)| ids(v)).collect();
        assert_eq!(val, vec![vec![1, 4, 5], vec![0, 2], vec![3]]);
        let train: Vec<Vec<usize>> = folds.iter().map(|(t, _)| ids(t)).collect();
        assert_eq!(train[2], vec![0, 1, 2, 4, 5]);
        assert!(matches!(
            labelled_folds(&indexed(6), &labels[..5]),
            Err(OptimError::ShapeMismatch {
                expected: 6,
                got: 5,
                ..
            })
        ));
        assert!(matches!(
            labelled_folds(&indexed(3), &[7, 7, 7]),
            Err(OptimError::InvalidParameter { .. })
        ));
    }
}
