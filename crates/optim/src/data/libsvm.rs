//! LIBSVM / SVMlight text: `label index:value …` with 1-based increasing indices.

use super::{quoted, strip_bom, ColumnMap, DataError, Dataset};
use crate::Design;
use sprs::CsMat;
use std::io::BufRead;

/// Reads a sparse data set in LIBSVM format. Comments after `#` and `qid:` fields are ignored,
/// a UTF-8 byte-order mark is skipped, explicit zeros are not stored.
///
/// Feature indices may be any `u64` from 1 to 18446744073709551615 (hashed features): only the
/// columns that occur are kept, so memory is proportional to the non-zeros, and
/// [`Dataset::columns`] maps them back to their indices. `n_features` fixes the number of
/// source columns (otherwise the largest index seen; missing columns are then read as zeros
/// when aligning other data to this one). Errors name the line: a bad label or value, index 0,
/// an index past 18446744073709551615 or past `n_features`, indices not increasing; a file
/// without rows is [`DataError::Empty`], one where no row has a non-zero feature
/// [`DataError::NoFeatures`].
///
/// ```
/// use hypergrad_optim::data::read_libsvm;
///
/// let d = read_libsvm("1 4000000000:1\n-1 7:2\n".as_bytes(), None).unwrap();
/// assert_eq!(d.x.n_features(), 2); // indices 7 and 4·10⁹, not 4·10⁹ columns
/// assert_eq!(d.columns.kept(), &[6, 3_999_999_999]);
/// ```
pub fn read_libsvm(
    mut reader: impl BufRead,
    n_features: Option<u64>,
) -> Result<Dataset, DataError> {
    let mut rows = SparseRows {
        row_start: vec![0],
        ..SparseRows::default()
    };
    let mut buf = Vec::new();
    let mut line = 0;
    loop {
        buf.clear();
        let read = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| DataError::Malformed {
                line: line + 1,
                message: e.to_string(),
            })?;
        if read == 0 {
            break;
        }
        line += 1;
        let text = if line == 1 { strip_bom(&buf) } else { &buf };
        rows.parse_line(text, n_features)
            .map_err(|message| DataError::Malformed { line, message })?;
    }
    rows.into_dataset(n_features)
}

/// Rows as read: CSR with the source column of each non-zero.
#[derive(Default)]
struct SparseRows {
    /// Start of each row's entries, then the total.
    row_start: Vec<usize>,
    cols: Vec<u64>,
    vals: Vec<f64>,
    y: Vec<f64>,
    max_index: u64,
}

fn finite(field: &[u8]) -> Option<f64> {
    std::str::from_utf8(field)
        .ok()?
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

/// A decimal index in `u64`, with checked arithmetic.
fn index(field: &[u8]) -> Result<u64, String> {
    if field.is_empty() || !field.iter().all(u8::is_ascii_digit) {
        return Err(format!("cannot parse the index {}", quoted(field)));
    }
    field
        .iter()
        .try_fold(0u64, |acc, &d| {
            acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        })
        .ok_or_else(|| {
            format!(
                "the index {} exceeds the largest supported index {}",
                quoted(field),
                u64::MAX
            )
        })
}

impl SparseRows {
    fn parse_line(&mut self, text: &[u8], n_features: Option<u64>) -> Result<(), String> {
        let content = match text.iter().position(|&b| b == b'#') {
            Some(comment) => &text[..comment],
            None => text,
        };
        let mut fields = content
            .split(u8::is_ascii_whitespace)
            .filter(|f| !f.is_empty());
        let Some(label) = fields.next() else {
            return Ok(());
        };
        let label = finite(label).ok_or_else(|| {
            format!(
                "cannot parse the label {} as a finite number",
                quoted(label)
            )
        })?;
        let mut previous = 0;
        for field in fields.filter(|f| !f.starts_with(b"qid:")) {
            let Some(colon) = field.iter().position(|&b| b == b':') else {
                return Err(format!("expected index:value, found {}", quoted(field)));
            };
            let (i, v) = (&field[..colon], &field[colon + 1..]);
            let i = index(i)?;
            let value = finite(v).ok_or_else(|| {
                format!("cannot parse the value {} as a finite number", quoted(v))
            })?;
            if i == 0 {
                return Err("indices are 1-based: found index 0".into());
            }
            if i <= previous {
                return Err(format!("indices must increase: {i} after {previous}"));
            }
            if let Some(p) = n_features.filter(|&p| i > p) {
                return Err(format!("index {i} exceeds the {p} features"));
            }
            previous = i;
            if value != 0.0 {
                self.cols.push(i - 1);
                self.vals.push(value);
            }
        }
        self.max_index = self.max_index.max(previous);
        self.row_start.push(self.cols.len());
        self.y.push(label);
        Ok(())
    }

    /// The rows as a CSC design over the columns that occur.
    fn into_dataset(self, n_features: Option<u64>) -> Result<Dataset, DataError> {
        let n = self.y.len();
        if n == 0 {
            return Err(DataError::Empty);
        }
        if self.cols.is_empty() {
            return Err(DataError::NoFeatures);
        }
        let width = n_features.unwrap_or(self.max_index);
        let (columns, col) = ColumnMap::compact(&self.cols, width, n_features.is_none());
        let p = columns.kept().len();
        let mut col_start = vec![0; p + 1];
        col.iter().for_each(|&j| col_start[j + 1] += 1);
        for j in 0..p {
            col_start[j + 1] += col_start[j];
        }
        let mut next = col_start.clone();
        let (mut rows, mut vals) = (vec![0; col.len()], vec![0.0; col.len()]);
        for (i, range) in self.row_start.windows(2).enumerate() {
            for e in range[0]..range[1] {
                let slot = &mut next[col[e]];
                rows[*slot] = i;
                vals[*slot] = self.vals[e];
                *slot += 1;
            }
        }
        // Rows are visited in order, so each column's row indices increase: a valid CSC.
        let x = CsMat::try_new_csc((n, p), col_start, rows, vals)
            .unwrap_or_else(|(.., e)| unreachable!("CSC built column by column: {e}"));
        Ok(Dataset {
            x: Design::sparse(x)?,
            y: self.y,
            feature_names: None,
            columns,
        })
    }
}
