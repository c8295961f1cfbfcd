//! Column preprocessing fitted on training data and applied unchanged to every other data set:
//! `x̃_ij = (x_ij − m_j)·s_j`, and the map of coefficients back to the original columns.

use super::{DataError, Dataset};
use crate::Design;
use ndarray::Array2;
use sprs::CsMat;
use std::borrow::Cow;

/// Which column maps preprocessing applies (the rule; [`Preprocessing`] is the fitted map).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standardization {
    /// Subtract each column's training mean `m_j` (a sparse design becomes dense).
    pub center: bool,
    /// Divide each column by its training spread: the standard deviation when centering,
    /// the root mean square otherwise.
    pub scale: bool,
}

impl Standardization {
    /// Features used as given.
    pub const NONE: Self = Self {
        center: false,
        scale: false,
    };
    /// Zero mean and unit variance.
    pub const FULL: Self = Self {
        center: true,
        scale: true,
    };
    /// Unit root mean square, sparsity kept.
    pub const SCALE: Self = Self {
        center: false,
        scale: true,
    };

    /// [`Standardization::FULL`] for a dense design, [`Standardization::SCALE`] for a sparse
    /// one (whose columns are then used uncentered, as in sparse-ho): the rule of
    /// [`standardize`].
    pub fn for_design(x: &Design) -> Self {
        match x {
            Design::Dense(_) => Self::FULL,
            Design::Sparse(_) | Design::Centered { .. } => Self::SCALE,
        }
    }
}

/// `Ok` when every column is finite, else [`DataError::Overflow`] naming the first that is not.
fn finite_or_overflow(columns: impl Iterator<Item = bool>) -> Result<(), DataError> {
    columns
        .enumerate()
        .find(|(_, finite)| !finite)
        .map_or(Ok(()), |(column, _)| Err(DataError::Overflow { column }))
}

/// A fitted column map `x̃_ij = (x_ij − m_j)·s_j`, computed as `x_ij·s_j − m_j·s_j`.
///
/// A column is constant on the training data when its spread `max − min` is at most
/// `n·ε·max|x_j|`: that bounds the rounding error of its computed mean, so its centered values
/// would be rounding noise, which scaling would blow up to ±1 (a constant 0.1 column turned into
/// −1, acting as an intercept). When centering, a constant column maps to 0 (`s_j = 0`: it
/// carries nothing an intercept does not, and its coefficient is 0); otherwise it is kept as
/// given (scaled like any other column, all-zero columns left alone).
///
/// The statistics are computed on `x_j / max|x_j|`, so entries near 1e308 do not overflow them.
#[derive(Clone, Debug, PartialEq)]
pub struct Preprocessing {
    /// The rule it was fitted with.
    pub rule: Standardization,
    /// `m_j` (0 when not centering).
    pub mean: Vec<f64>,
    /// `s_j` (1 when not scaling; 0 for a constant column when centering).
    pub scale: Vec<f64>,
    /// The columns constant on the training data, all-zero ones included.
    pub constant: Vec<usize>,
}

/// Mean, spread and constancy of one column, from its entries and `zeros` implicit zeros.
struct ColumnStats {
    mean: f64,
    spread: f64,
    constant: bool,
}

fn column_stats(values: &[f64], zeros: usize, center: bool) -> ColumnStats {
    let n = (values.len() + zeros) as f64;
    let top = values.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    if top == 0.0 {
        return ColumnStats {
            mean: 0.0,
            spread: 0.0,
            constant: true,
        };
    }
    let unit = || values.iter().map(|v| v / top);
    let implicit = if zeros > 0 { Some(0.0) } else { None };
    let (lo, hi) = unit()
        .chain(implicit)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), u| {
            (lo.min(u), hi.max(u))
        });
    let constant = hi - lo <= n * f64::EPSILON;
    let mean = if center { unit().sum::<f64>() / n } else { 0.0 };
    let sq = unit().map(|u| (u - mean) * (u - mean)).sum::<f64>() + zeros as f64 * mean * mean;
    ColumnStats {
        mean: mean * top,
        spread: (sq / n).sqrt() * top,
        constant,
    }
}

/// The design as CSC when sparse (a hand-built CSR design is converted once).
pub(super) fn column_major(x: &Design) -> Cow<'_, Design> {
    match x {
        Design::Sparse(s) if !s.is_csc() => Cow::Owned(Design::Sparse(s.to_csc())),
        Design::Centered { x: s, shift } if !s.is_csc() => Cow::Owned(Design::Centered {
            x: s.to_csc(),
            shift: shift.clone(),
        }),
        _ => Cow::Borrowed(x),
    }
}

/// Calls `f` with the stored entries of column `j`: their rows (`None` for a dense or centered
/// column, which stores every row) and values.
pub(super) fn with_column<R>(
    x: &Design,
    j: usize,
    f: impl FnOnce(Option<&[usize]>, &[f64]) -> R,
) -> R {
    match x {
        Design::Dense(a) => {
            let column = a.column(j);
            match column.as_slice() {
                Some(values) => f(None, values),
                None => f(None, &column.to_vec()),
            }
        }
        Design::Sparse(s) => {
            let range = s.indptr().outer_inds_sz(j);
            f(Some(&s.indices()[range.clone()]), &s.data()[range])
        }
        Design::Centered { .. } => {
            // Every row of a centered column is stored, implicitly: materialize it.
            let mut column = vec![0.0; x.n_samples()];
            x.col_axpy(j, 1.0, &mut column);
            f(None, &column)
        }
    }
}

impl Preprocessing {
    /// Fits `rule` on the training design `x`. Errors ([`DataError::Overflow`]) when a
    /// column's scale `1/spread` is not representable (a spread below about 1e-308).
    pub fn fit(x: &Design, rule: Standardization) -> Result<Self, DataError> {
        let x = column_major(x);
        let (n, p) = (x.n_samples(), x.n_features());
        let mut fitted = Self {
            rule,
            mean: vec![0.0; p],
            scale: vec![1.0; p],
            constant: Vec::new(),
        };
        for j in 0..p {
            let stats = with_column(&x, j, |_, values| {
                column_stats(values, n - values.len(), rule.center)
            });
            if stats.constant {
                fitted.constant.push(j);
            }
            fitted.mean[j] = stats.mean;
            fitted.scale[j] = match (rule.center, stats.constant) {
                (true, true) => 0.0,
                _ if rule.scale && stats.spread > 0.0 => 1.0 / stats.spread,
                _ => 1.0,
            };
            let s = fitted.scale[j];
            if !(s.is_finite() && (stats.mean * s).is_finite()) {
                return Err(DataError::Overflow { column: j });
            }
        }
        Ok(fitted)
    }

    /// Whether the map changes nothing.
    pub fn is_identity(&self) -> bool {
        self.mean.iter().all(|&m| m == 0.0) && self.scale.iter().all(|&s| s == 1.0)
    }

    /// Applies the map to `data` in place. A sparse design stays sparse: when centering it
    /// becomes [`Design::Centered`] (the shifts `m_j·s_j` subtracted implicitly).
    /// Errors: a different number of columns ([`DataError::FeatureCount`]), a result that
    /// overflows ([`DataError::Overflow`], values far outside the training range).
    pub fn apply(&self, data: &mut Dataset) -> Result<(), DataError> {
        let p = data.x.n_features();
        if p != self.scale.len() {
            return Err(DataError::FeatureCount {
                expected: self.scale.len() as u64,
                got: p as u64,
            });
        }
        let shifts: Vec<f64> = self
            .mean
            .iter()
            .zip(&self.scale)
            .map(|(m, s)| m * s)
            .collect();
        if shifts.iter().any(|v| !v.is_finite()) {
            let column = shifts.iter().position(|v| !v.is_finite()).unwrap_or(0);
            return Err(DataError::Overflow { column });
        }
        let design = std::mem::replace(&mut data.x, Design::Dense(Array2::zeros((0, 0))));
        data.x = match design {
            Design::Dense(mut x) => {
                for (j, mut column) in x.columns_mut().into_iter().enumerate() {
                    let (s, shift) = (self.scale[j], shifts[j]);
                    column.iter_mut().for_each(|v| *v = *v * s - shift);
                }
                finite_or_overflow(
                    x.columns()
                        .into_iter()
                        .map(|c| c.iter().all(|v| v.is_finite())),
                )?;
                Design::Dense(x)
            }
            Design::Sparse(x) => self.apply_sparse(x, vec![0.0; p], &shifts)?,
            Design::Centered { x, shift } => self.apply_sparse(x, shift, &shifts)?,
        };
        Ok(())
    }

    /// `(x − 1·old)·s − 1·shift` for sparse `x`: stored entries scaled, shifts combined.
    fn apply_sparse(
        &self,
        x: CsMat<f64>,
        old: Vec<f64>,
        shifts: &[f64],
    ) -> Result<Design, DataError> {
        let mut x = if x.is_csc() { x } else { x.to_csc() };
        let mut finite = Vec::with_capacity(shifts.len());
        for (j, &s) in self.scale.iter().enumerate() {
            let range = x.indptr().outer_inds_sz(j);
            let column = &mut x.data_mut()[range];
            column.iter_mut().for_each(|v| *v *= s);
            finite.push(column.iter().all(|v| v.is_finite()));
        }
        finite_or_overflow(finite.into_iter())?;
        let shift: Vec<f64> = old
            .iter()
            .zip(&self.scale)
            .zip(shifts)
            .map(|((o, s), m)| o * s + m)
            .collect();
        finite_or_overflow(shift.iter().map(|v| v.is_finite()))?;
        Ok(if shift.iter().all(|&m| m == 0.0) {
            Design::sparse(x)?
        } else {
            Design::centered(x, shift)?
        })
    }

    /// Coefficients and intercept of a model fitted on the mapped columns, expressed on the
    /// original ones: `β_j = β̃_j·s_j`, `b = b̃ − Σ_j β̃_j·(m_j·s_j)`, so that
    /// `b + Σ_j β_j x_j = b̃ + Σ_j β̃_j x̃_j` for every row.
    pub fn to_original(&self, coef: &[f64], intercept: f64) -> Result<(Vec<f64>, f64), DataError> {
        if coef.len() != self.scale.len() {
            return Err(DataError::FeatureCount {
                expected: self.scale.len() as u64,
                got: coef.len() as u64,
            });
        }
        let original = coef.iter().zip(&self.scale).map(|(c, s)| c * s).collect();
        let shift: f64 = coef
            .iter()
            .zip(self.mean.iter().zip(&self.scale))
            .map(|(c, (m, s))| c * (m * s))
            .sum();
        Ok((original, intercept - shift))
    }
}

/// Fits [`Standardization::for_design`] of the training design on `train` and applies the same
/// map to `train` and `validation` (whatever the validation's format: a sparse validation set
/// is made dense when the training set is centered). Errors before changing anything when the
/// two have different numbers of columns ([`DataError::FeatureCount`]).
pub fn standardize(
    train: &mut Dataset,
    validation: &mut Dataset,
) -> Result<Preprocessing, DataError> {
    let (expected, got) = (train.x.n_features(), validation.x.n_features());
    if expected != got {
        return Err(DataError::FeatureCount {
            expected: expected as u64,
            got: got as u64,
        });
    }
    let map = Preprocessing::fit(&train.x, Standardization::for_design(&train.x))?;
    map.apply(train)?;
    map.apply(validation)?;
    Ok(map)
}
