//! Whether a penalized fit has anything to select: `α_max = ‖Xᵀy‖∞ / n > 0`.

use super::preprocessing::{column_major, with_column};
use super::DataError;
use crate::Design;
use std::fmt;

/// Why `Xᵀy = 0`, which makes the zero model optimal for every ℓ1 penalty (`α_max = 0`) and
/// leaves a search nothing to choose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NullModel {
    /// Every target is 0.
    ZeroTarget,
    /// Every feature column is 0 (for example one centered training row).
    NoNonZeroColumn,
    /// Every column is orthogonal to the target, up to rounding.
    Orthogonal,
}

impl fmt::Display for NullModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NullModel::ZeroTarget => "the target is zero",
            NullModel::NoNonZeroColumn => "the design has no non-zero column",
            NullModel::Orthogonal => "every feature is orthogonal to the target (Xᵀy = 0)",
        })
    }
}

/// `Ok` when some column has `|X_jᵀy|` above its rounding error, otherwise
/// [`DataError::NothingToSelect`] with the reason. The dot product of column `j` is computed on
/// `X_j / max|X_j|` and `y / max|y|` (no overflow near 1e308) and compared with
/// `n·ε·Σ_i |X_ij||y_i|` (same scaling), the bound on the rounding error of a sum of n
/// products: below it, `Xᵀy` cannot be told from 0. Errors if `y` is not of length n.
///
/// ```
/// use hypergrad_optim::data::{check_signal, DataError, NullModel};
/// use hypergrad_optim::Design;
///
/// let x = Design::dense(ndarray::array![[1.0, 0.0], [-1.0, 0.0]]).unwrap();
/// assert!(check_signal(&x, &[1.0, 2.0]).is_ok());
/// assert!(matches!(
///     check_signal(&x, &[3.0, 3.0]),
///     Err(DataError::NothingToSelect(NullModel::Orthogonal))
/// ));
/// ```
pub fn check_signal(x: &Design, y: &[f64]) -> Result<(), DataError> {
    let n = x.n_samples();
    if y.len() != n {
        return Err(crate::OptimError::ShapeMismatch {
            what: "y",
            expected: n,
            got: y.len(),
        }
        .into());
    }
    let y_top = y.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    if y_top == 0.0 {
        return Err(DataError::NothingToSelect(NullModel::ZeroTarget));
    }
    let y: Vec<f64> = y.iter().map(|v| v / y_top).collect();
    let x = column_major(x);
    let mut any_column = false;
    for j in 0..x.n_features() {
        let correlated = with_column(&x, j, |rows, values| {
            let top = values.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
            if top == 0.0 {
                return false;
            }
            any_column = true;
            let row = |k: usize| rows.map_or(k, |r| r[k]);
            let (dot, magnitude) = values
                .iter()
                .enumerate()
                .fold((0.0, 0.0), |(d, m), (k, v)| {
                    let term = v / top * y[row(k)];
                    (d + term, m + term.abs())
                });
            dot.abs() > n as f64 * f64::EPSILON * magnitude
        });
        if correlated {
            return Ok(());
        }
    }
    Err(DataError::NothingToSelect(if any_column {
        NullModel::Orthogonal
    } else {
        NullModel::NoNonZeroColumn
    }))
}
