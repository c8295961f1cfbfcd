//! LIBSVM / SVMlight text: `label index:value …` with 1-based increasing indices.

use super::{DataError, Dataset};
use crate::Design;
use sprs::TriMat;
use std::io::BufRead;

/// Reads a sparse data set in LIBSVM format. Comments after `#` and `qid:` fields are ignored;
/// `n_features` fixes p (otherwise the largest index seen). Errors name the line: a bad label or
/// value, index 0, indices not increasing, an index beyond `n_features`.
pub fn read_libsvm(reader: impl BufRead, n_features: Option<usize>) -> Result<Dataset, DataError> {
    let (mut rows, mut cols, mut vals, mut y) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut max_index = 0;
    for (k, text) in reader.lines().enumerate() {
        let line = k + 1;
        let malformed = |message: String| DataError::Malformed { line, message };
        let text = text.map_err(|e| malformed(e.to_string()))?;
        let content = text.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let mut fields = content.split_whitespace();
        let label = fields.next().unwrap_or("");
        let label: f64 = label
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| {
                malformed(format!(
                    "cannot parse the label '{label}' as a finite number"
                ))
            })?;
        let mut previous = 0;
        for field in fields.filter(|f| !f.starts_with("qid:")) {
            let (index, value) = field
                .split_once(':')
                .ok_or_else(|| malformed(format!("expected index:value, found '{field}'")))?;
            let index: usize = index
                .parse()
                .map_err(|_| malformed(format!("cannot parse the index '{index}'")))?;
            let value: f64 = value
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| {
                    malformed(format!(
                        "cannot parse the value '{value}' as a finite number"
                    ))
                })?;
            if index == 0 {
                return Err(malformed("indices are 1-based: found index 0".into()));
            }
            if index <= previous {
                return Err(malformed(format!(
                    "indices must increase: {index} after {previous}"
                )));
            }
            if n_features.is_some_and(|p| index > p) {
                return Err(malformed(format!(
                    "index {index} exceeds the {} features",
                    n_features.unwrap_or(0)
                )));
            }
            previous = index;
            max_index = max_index.max(index);
            rows.push(y.len());
            cols.push(index - 1);
            vals.push(value);
        }
        y.push(label);
    }
    if y.is_empty() {
        return Err(DataError::Empty);
    }
    let p = n_features.unwrap_or(max_index).max(1);
    let x = TriMat::from_triplets((y.len(), p), rows, cols, vals).to_csc();
    Ok(Dataset {
        x: Design::sparse(x)?,
        y,
        feature_names: None,
    })
}
