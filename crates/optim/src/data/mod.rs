//! Data sets: readers for CSV and LIBSVM text with line-numbered errors, the embedded diabetes
//! and breast-cancer sets, seeded train / validation splits and standardization.

mod csv;
mod libsvm;
mod split;

pub use csv::{read_csv, CsvOptions, TargetColumn};
pub use libsvm::read_libsvm;
pub use split::kfold;
pub use split::{standardize, train_validation_split};

use crate::Design;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// A design matrix with its targets.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// The features, n × p.
    pub x: Design,
    /// The n targets.
    pub y: Vec<f64>,
    /// Column names, when the source had a header.
    pub feature_names: Option<Vec<String>>,
}

/// What can go wrong while reading data.
#[derive(Debug, Error)]
pub enum DataError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path given.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A line does not have the expected form.
    #[error("line {line}: {message}")]
    Malformed {
        /// 1-based line number.
        line: usize,
        /// What was expected and what was found.
        message: String,
    },
    /// No data rows.
    #[error("no data rows")]
    Empty,
    /// The data was read but is not a valid design (see the inner error).
    #[error(transparent)]
    Invalid(#[from] crate::OptimError),
}

fn open(path: &Path) -> Result<BufReader<std::fs::File>, DataError> {
    std::fs::File::open(path)
        .map(BufReader::new)
        .map_err(|source| DataError::Io {
            path: path.to_path_buf(),
            source,
        })
}

/// [`read_csv`] from a file; a missing or unreadable file is [`DataError::Io`] naming the path.
pub fn read_csv_file(path: impl AsRef<Path>, options: &CsvOptions) -> Result<Dataset, DataError> {
    read_csv(open(path.as_ref())?, options)
}

/// [`read_libsvm`] from a file; a missing or unreadable file is [`DataError::Io`] naming the path.
pub fn read_libsvm_file(
    path: impl AsRef<Path>,
    n_features: Option<usize>,
) -> Result<Dataset, DataError> {
    read_libsvm(open(path.as_ref())?, n_features)
}

/// The diabetes data of Efron et al. (2004): 442 × 10, raw values, regression target.
pub fn diabetes() -> Dataset {
    read_csv(
        include_str!("../../data/diabetes.csv").as_bytes(),
        &CsvOptions::default(),
    )
    .expect("the embedded diabetes.csv is well formed")
}

/// The Wisconsin diagnostic breast-cancer data: 569 × 30, raw values, labels ±1.
pub fn breast_cancer() -> Dataset {
    read_csv(
        include_str!("../../data/breast_cancer.csv").as_bytes(),
        &CsvOptions::default(),
    )
    .expect("the embedded breast_cancer.csv is well formed")
}
