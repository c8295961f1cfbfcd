//! Comma-separated values: one sample per line, one column the target.

use super::{quoted, ColumnMap, DataError, Dataset};
use crate::Design;
use ndarray::Array2;
use std::io::BufRead;

/// Which column holds the target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetColumn {
    /// The last column.
    Last,
    /// A 0-based column index.
    Index(usize),
    /// A column named in the header.
    Name(String),
}

/// How to read a CSV file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvOptions {
    /// Whether the first line is a header; `None` detects it (a first line with a field that is
    /// not a number).
    pub header: Option<bool>,
    /// The target column.
    pub target: TargetColumn,
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self {
            header: None,
            target: TargetColumn::Last,
        }
    }
}

/// Reads a dense data set from CSV text. A UTF-8 byte-order mark is skipped, empty lines too;
/// every other line must have as many fields as the first, each a finite number.
pub fn read_csv(reader: impl BufRead, options: &CsvOptions) -> Result<Dataset, DataError> {
    let mut lines = reader.lines().enumerate().map(|(i, l)| (i + 1, l));
    let mut features: Vec<f64> = Vec::new();
    let mut y = Vec::new();
    let mut names: Option<Vec<String>> = None;
    let mut width = None;
    let mut target = None;
    for (line, text) in &mut lines {
        let text = text.map_err(|e| DataError::Malformed {
            line,
            message: e.to_string(),
        })?;
        let text = if line == 1 {
            text.strip_prefix('\u{FEFF}').unwrap_or(&text)
        } else {
            &text
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let fields: Vec<&str> = text.split(',').map(str::trim).collect();
        let expected = *width.get_or_insert(fields.len());
        if fields.len() != expected {
            return Err(DataError::Malformed {
                line,
                message: format!("expected {expected} fields, found {}", fields.len()),
            });
        }
        let is_header = y.is_empty()
            && names.is_none()
            && options
                .header
                .unwrap_or_else(|| fields.iter().any(|f| f.parse::<f64>().is_err()));
        if is_header {
            names = Some(fields.iter().map(|f| f.to_string()).collect());
            continue;
        }
        let t = *target.get_or_insert(target_index(options, names.as_deref(), expected, line)?);
        for (k, field) in fields.iter().enumerate() {
            let value: f64 = field.parse().map_err(|_| DataError::Malformed {
                line,
                message: format!(
                    "column {}: cannot parse {} as a number",
                    column_name(names.as_deref(), k),
                    quoted(field.as_bytes())
                ),
            })?;
            if !value.is_finite() {
                return Err(DataError::Malformed {
                    line,
                    message: format!(
                        "column {}: {value} is not finite",
                        column_name(names.as_deref(), k)
                    ),
                });
            }
            if k == t {
                y.push(value);
            } else {
                features.push(value);
            }
        }
    }
    let (Some(width), Some(t)) = (width, target) else {
        return Err(DataError::Empty);
    };
    let x = Array2::from_shape_vec((y.len(), width - 1), features)
        .expect("every row holds width − 1 features");
    let feature_names = names.map(|mut n| {
        n.remove(t);
        n
    });
    Ok(Dataset {
        x: Design::dense(x)?,
        y,
        feature_names,
        columns: ColumnMap::identity(width - 1),
    })
}

fn target_index(
    options: &CsvOptions,
    names: Option<&[String]>,
    width: usize,
    line: usize,
) -> Result<usize, DataError> {
    let index = match &options.target {
        TargetColumn::Last => width - 1,
        TargetColumn::Index(i) => *i,
        TargetColumn::Name(name) => names
            .and_then(|n| n.iter().position(|c| c == name))
            .ok_or_else(|| DataError::Malformed {
                line,
                message: format!("no column named '{name}' in the header"),
            })?,
    };
    if index >= width || width < 2 {
        return Err(DataError::Malformed {
            line,
            message: format!("target column {index} out of range for {width} fields (need a target and at least one feature)"),
        });
    }
    Ok(index)
}

fn column_name(names: Option<&[String]>, k: usize) -> String {
    names
        .and_then(|n| n.get(k))
        .map_or_else(|| (k + 1).to_string(), |n| quoted(n.as_bytes()))
}
