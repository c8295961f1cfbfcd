//! Data sets: readers for CSV and LIBSVM text with line-numbered errors (format given or detected
//! from the content), the embedded diabetes and breast-cancer sets, seeded train / validation
//! splits, preprocessing (centering, scaling) and the check that there is something to select.

mod columns;
mod csv;
mod decimal;
mod format;
mod libsvm;
mod preprocessing;
mod signal;
mod split;

pub use columns::ColumnMap;
pub use csv::{read_csv, CsvOptions, TargetColumn};
pub use format::{read_data, read_file, Format};
pub use libsvm::read_libsvm;
pub use preprocessing::{standardize, Preprocessing, Standardization};
pub use signal::{check_signal, NullModel};
pub use split::{kfold, labelled_folds, train_validation_split};

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
    /// Which source column each column of `x` is (LIBSVM keeps only the columns that occur).
    pub columns: ColumnMap,
}

impl Dataset {
    /// A data set from a design whose columns are all the source's, without names. Errors when
    /// `y` does not have one target per row.
    pub fn new(x: Design, y: Vec<f64>) -> Result<Self, DataError> {
        if y.len() != x.n_samples() {
            return Err(crate::OptimError::ShapeMismatch {
                what: "y",
                expected: x.n_samples(),
                got: y.len(),
            }
            .into());
        }
        let columns = ColumnMap::identity(x.n_features());
        Ok(Self {
            x,
            y,
            feature_names: None,
            columns,
        })
    }
}

/// What can go wrong while reading or preparing data.
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
    /// Rows, but not one non-zero feature in any of them.
    #[error("no row has a non-zero feature: the design has no non-zero column")]
    NoFeatures,
    /// Two data sets that must have the same feature columns do not.
    #[error("the data has {got} feature columns where {expected} are expected (as in the training data)")]
    FeatureCount {
        /// The number of columns of the reference (training) data.
        expected: u64,
        /// The number of columns given.
        got: u64,
    },
    /// Preprocessing a column gives values past the largest double.
    #[error("feature column {column}: preprocessing overflows double precision (entries too large or spread too small)")]
    Overflow {
        /// The 0-based column of the design.
        column: usize,
    },
    /// `Xᵀy = 0`: every ℓ1-penalized model is zero, whatever its penalty.
    #[error("{0}: there is nothing to select")]
    NothingToSelect(NullModel),
    /// The data was read but is not a valid design (see the inner error).
    #[error(transparent)]
    Invalid(#[from] crate::OptimError),
}

/// At most this many characters of an offending field are quoted in an error.
const QUOTED: usize = 40;

/// `'field'` for an error message: at most [`QUOTED`] characters, control characters escaped
/// (the message stays on one line).
fn quoted(field: &[u8]) -> String {
    let text = String::from_utf8_lossy(field);
    let shown: String = text
        .chars()
        .take(QUOTED)
        .flat_map(char::escape_debug)
        .collect();
    let more = if text.chars().nth(QUOTED).is_some() {
        "…"
    } else {
        ""
    };
    format!("'{shown}{more}'")
}

/// `text` without a leading UTF-8 byte-order mark.
fn strip_bom(text: &[u8]) -> &[u8] {
    text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text)
}

fn open(path: &Path) -> Result<BufReader<std::fs::File>, DataError> {
    std::fs::File::open(path)
        .map(|f| BufReader::with_capacity(1 << 16, f))
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
    n_features: Option<u64>,
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
