//! [`Design`]: a dense or sparse design matrix.

use crate::OptimError;
use ndarray::Array2;
use sprs::CsMat;

/// A design matrix `X` (n samples × p features), dense or sparse.
///
/// Coordinate descent reads columns, so dense designs are best stored column-major
/// (`Array2::reversed_axes` of a row-major array, or built with `.f()`), and sparse ones CSC.
#[derive(Clone, Debug)]
pub enum Design {
    /// A dense matrix.
    Dense(Array2<f64>),
    /// A sparse matrix in compressed sparse column form.
    Sparse(CsMat<f64>),
}

impl Design {
    /// A dense design, checked: non-empty and finite.
    pub fn dense(x: Array2<f64>) -> Result<Self, OptimError> {
        if x.is_empty() {
            return Err(OptimError::EmptyData { what: "design" });
        }
        if x.iter().any(|v| !v.is_finite()) {
            return Err(OptimError::NonFinite { what: "design" });
        }
        Ok(Design::Dense(x))
    }

    /// A sparse design, checked (non-empty, finite) and converted to CSC.
    pub fn sparse(x: CsMat<f64>) -> Result<Self, OptimError> {
        if x.rows() == 0 || x.cols() == 0 {
            return Err(OptimError::EmptyData { what: "design" });
        }
        if x.data().iter().any(|v| !v.is_finite()) {
            return Err(OptimError::NonFinite { what: "design" });
        }
        Ok(Design::Sparse(x.into_csc()))
    }

    /// Number of samples n (rows).
    pub fn n_samples(&self) -> usize {
        match self {
            Design::Dense(x) => x.nrows(),
            Design::Sparse(x) => x.rows(),
        }
    }

    /// Number of features p (columns).
    pub fn n_features(&self) -> usize {
        match self {
            Design::Dense(x) => x.ncols(),
            Design::Sparse(x) => x.cols(),
        }
    }
}
