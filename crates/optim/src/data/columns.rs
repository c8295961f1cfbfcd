//! [`ColumnMap`]: which columns of the source file a design holds, so that columns that never
//! occur can be dropped on reading and restored by index in the output.

use super::{DataError, Dataset};
use crate::Design;
use sprs::CsMat;

/// The columns of a source kept in a design: design column `j` is source column `kept[j]`
/// (0-based; the LIBSVM feature index is `kept[j] + 1`).
///
/// A LIBSVM file with feature indices up to 2³² (hashed features) is read into a design holding
/// only the columns that occur, so memory follows the non-zeros, not the largest index. A CSV
/// file keeps all its columns (the identity map).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnMap {
    /// Source column of each design column, strictly increasing.
    kept: Vec<u64>,
    /// Number of source columns: the CSV width, LIBSVM's `n_features`, or its largest index.
    width: u64,
    /// Whether columns past `width` are implicit zeros (LIBSVM read without `n_features`),
    /// rather than absent (a CSV file has exactly `width` columns).
    open: bool,
}

impl ColumnMap {
    /// All `p` columns of a source with exactly `p` columns.
    pub fn identity(p: usize) -> Self {
        Self {
            kept: (0..p as u64).collect(),
            width: p as u64,
            open: false,
        }
    }

    /// Source column of each design column (0-based, strictly increasing).
    pub fn kept(&self) -> &[u64] {
        &self.kept
    }

    /// Number of columns of the source.
    pub fn width(&self) -> u64 {
        self.width
    }

    /// Number of source columns dropped because they never occur.
    pub fn n_dropped(&self) -> u64 {
        self.width - self.kept.len() as u64
    }

    /// Coefficients of the design's columns as `(source column, value)` pairs for the non-zero
    /// ones: the model on the source's columns (every dropped column has coefficient 0).
    pub fn restore(&self, coef: &[f64]) -> Result<Vec<(u64, f64)>, DataError> {
        check_width(coef.len(), self.kept.len())?;
        Ok(self
            .kept
            .iter()
            .zip(coef)
            .filter(|(_, c)| **c != 0.0)
            .map(|(&k, &c)| (k, c))
            .collect())
    }

    /// The map of a source of `width` columns (past which columns are implicit zeros if
    /// `open`) whose columns `kept` (strictly increasing, each below `width`) occur.
    pub(crate) fn from_kept(kept: Vec<u64>, width: u64, open: bool) -> Self {
        debug_assert!(kept.windows(2).all(|w| w[0] < w[1]));
        debug_assert!(kept.last().is_none_or(|&k| k < width));
        Self { kept, width, open }
    }

    /// Where each column of `self` sits in `target` (`None`: a column `target` does not hold,
    /// which is all zeros there). Errors when a column of one is absent (not merely zero) from
    /// the other, i.e. dense sources of different widths.
    fn positions_in(&self, target: &ColumnMap) -> Result<Vec<Option<usize>>, DataError> {
        let beyond = |map: &ColumnMap, other: &ColumnMap| {
            !other.open && map.kept.last().is_some_and(|&k| k >= other.width)
        };
        let both_exact = !self.open && !target.open && self.width != target.width;
        if both_exact || beyond(self, target) || beyond(target, self) {
            return Err(DataError::FeatureCount {
                expected: target.width,
                got: self.width,
            });
        }
        Ok(self
            .kept
            .iter()
            .map(|k| target.kept.binary_search(k).ok())
            .collect())
    }
}

fn check_width(got: usize, expected: usize) -> Result<(), DataError> {
    if got == expected {
        Ok(())
    } else {
        Err(DataError::FeatureCount {
            expected: expected as u64,
            got: got as u64,
        })
    }
}

impl Dataset {
    /// Brings `self` (validation data) onto the columns of the training data whose map is
    /// `target`: columns matched by source index, a column the training data never had dropped
    /// (a model fitted on that data has coefficient 0 there, so predictions do not change), a
    /// column the training data has but `self` lacks filled with zeros. Errors
    /// ([`DataError::FeatureCount`]) when the two sources have different numbers of columns and
    /// neither reads missing columns as zeros (two CSV files of different widths).
    pub fn align_columns(&mut self, target: &ColumnMap) -> Result<(), DataError> {
        if self.columns == *target {
            return Ok(());
        }
        let positions = self.columns.positions_in(target)?;
        let (n, p) = (self.x.n_samples(), target.kept.len());
        let csc = match &self.x {
            Design::Sparse(x) | Design::Centered { x, .. } => x.clone(),
            Design::Dense(x) => CsMat::csc_from_dense(x.view(), 0.0),
        };
        let mut tri = sprs::TriMat::new((n, p));
        for (j, col) in csc.outer_iterator().enumerate() {
            if let Some(t) = positions[j] {
                col.iter().for_each(|(i, &v)| tri.add_triplet(i, t, v));
            }
        }
        let x = tri.to_csc();
        self.x = match &self.x {
            Design::Sparse(_) => Design::sparse(x)?,
            Design::Dense(_) => Design::dense(x.to_dense())?,
            Design::Centered { shift, .. } => {
                let mut aligned = vec![0.0; p];
                for (j, &t) in positions.iter().enumerate() {
                    if let Some(t) = t {
                        aligned[t] = shift[j];
                    }
                }
                Design::centered(x, aligned)?
            }
        };
        self.feature_names = None;
        self.columns = target.clone();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restore_lists_the_non_zero_coefficients_by_source_column() {
        let map = ColumnMap::from_kept(vec![3_999_999_999, u64::MAX - 1], u64::MAX, true);
        assert_eq!(map.n_dropped(), u64::MAX - 2);
        assert_eq!(map.restore(&[0.0, 2.5]).unwrap(), vec![(u64::MAX - 1, 2.5)]);
        assert!(matches!(
            map.restore(&[1.0]),
            Err(DataError::FeatureCount {
                expected: 2,
                got: 1
            })
        ));
    }

    #[test]
    fn alignment_rules() {
        let csv = |p| ColumnMap::identity(p);
        let svm = |kept: &[u64], width| ColumnMap {
            kept: kept.to_vec(),
            width,
            open: true,
        };
        // Same widths: identity.
        assert_eq!(
            csv(3).positions_in(&csv(3)).unwrap(),
            vec![Some(0), Some(1), Some(2)]
        );
        // Two CSV files of different widths.
        assert!(csv(3).positions_in(&csv(4)).is_err());
        // LIBSVM validation within the CSV width: its missing columns are zeros.
        assert_eq!(
            svm(&[0, 2], 3).positions_in(&csv(4)).unwrap(),
            vec![Some(0), Some(2)]
        );
        // LIBSVM validation naming a column past the CSV width.
        assert!(svm(&[4], 5).positions_in(&csv(4)).is_err());
        // LIBSVM training data: a validation column it never saw is dropped.
        assert_eq!(
            csv(3).positions_in(&svm(&[1], 2)).unwrap(),
            vec![None, Some(0), None]
        );
    }
}
