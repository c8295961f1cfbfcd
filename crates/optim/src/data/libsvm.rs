//! LIBSVM / SVMlight text: `label index:value …` with 1-based increasing indices.

use super::decimal::parse_finite;
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
    let mut rows = SparseRows::default();
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

/// Rows as read: the non-zeros in row order, with their source columns.
#[derive(Default)]
struct SparseRows {
    entries: Vec<Entry>,
    y: Vec<f64>,
    max_index: u64,
}

/// `index:value` as a 1-based index (decimal, checked against `u64`) and a finite value.
fn pair(field: &[u8]) -> Result<(u64, f64), String> {
    let mut index = 0_u64;
    for (k, &b) in field.iter().enumerate() {
        match b {
            b'0'..=b'9' => {
                index = index
                    .checked_mul(10)
                    .and_then(|i| i.checked_add(u64::from(b - b'0')))
                    .ok_or_else(|| {
                        format!(
                            "the index {} exceeds the largest supported index {}",
                            quoted(field.split(|&b| b == b':').next().unwrap_or(field)),
                            u64::MAX
                        )
                    })?;
            }
            b':' if k > 0 => {
                let value = &field[k + 1..];
                let value = parse_finite(value).ok_or_else(|| {
                    format!(
                        "cannot parse the value {} as a finite number",
                        quoted(value)
                    )
                })?;
                return Ok((index, value));
            }
            _ => break,
        }
    }
    Err(match field.iter().position(|&b| b == b':') {
        Some(colon) => format!("cannot parse the index {}", quoted(&field[..colon])),
        None => format!("expected index:value, found {}", quoted(field)),
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
        let label = parse_finite(label).ok_or_else(|| {
            format!(
                "cannot parse the label {} as a finite number",
                quoted(label)
            )
        })?;
        let mut previous = 0;
        for field in fields.filter(|f| !f.starts_with(b"qid:")) {
            let (i, value) = pair(field)?;
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
                self.entries.push(Entry {
                    col: i - 1,
                    row: self.y.len(),
                    val: value,
                });
            }
        }
        self.max_index = self.max_index.max(previous);
        self.y.push(label);
        Ok(())
    }

    /// The rows as a CSC design over the columns that occur.
    fn into_dataset(self, n_features: Option<u64>) -> Result<Dataset, DataError> {
        let n = self.y.len();
        if n == 0 {
            return Err(DataError::Empty);
        }
        let mut entries = self.entries;
        if entries.is_empty() {
            return Err(DataError::NoFeatures);
        }
        sort_by_column(&mut entries, self.max_index);
        // Sorted by column and, within a column, by row: the CSC arrays in order.
        let mut kept = Vec::new();
        let mut col_start = Vec::new();
        for (k, e) in entries.iter().enumerate() {
            if kept.last() != Some(&e.col) {
                kept.push(e.col);
                col_start.push(k);
            }
        }
        col_start.push(entries.len());
        let rows = entries.iter().map(|e| e.row).collect();
        let vals = entries.iter().map(|e| e.val).collect();
        drop(entries);
        let width = n_features.unwrap_or(self.max_index);
        let columns = ColumnMap::from_kept(kept, width, n_features.is_none());
        let x = CsMat::try_new_csc((n, columns.kept().len()), col_start, rows, vals)
            .unwrap_or_else(|(.., e)| unreachable!("CSC built column by column: {e}"));
        Ok(Dataset {
            x: Design::sparse(x)?,
            y: self.y,
            feature_names: None,
            columns,
        })
    }
}

/// One non-zero: its source column (0-based), row and value.
#[derive(Clone, Copy, Default)]
struct Entry {
    col: u64,
    row: usize,
    val: f64,
}

/// Bits per radix pass: the 4096-bucket histogram (32 KiB) stays in L1 cache, and two passes
/// sort the indices of hashed features up to 2²⁴.
const RADIX_BITS: u32 = 12;

/// Sorts `entries` by column, stably (rows stay in order within a column), by least-significant
/// digit radix sort on the bits of `max_col`, 12 at a time: O(nnz) per pass, sequential memory
/// access, and memory proportional to the non-zeros whatever the largest index (a lookup table
/// of the source's width would be 2⁶⁴ entries for hashed features; a scatter into millions of
/// columns misses the cache on every entry).
fn sort_by_column(entries: &mut Vec<Entry>, max_col: u64) {
    let bits = u64::BITS - max_col.leading_zeros();
    let mut buffer = vec![Entry::default(); entries.len()];
    for shift in (0..bits).step_by(RADIX_BITS as usize) {
        let digit = |e: &Entry| ((e.col >> shift) & ((1 << RADIX_BITS) - 1)) as usize;
        let mut start = [0_usize; 1 << RADIX_BITS];
        entries.iter().for_each(|e| start[digit(e)] += 1);
        if start.contains(&entries.len()) {
            continue; // every entry has the same digit: the pass would not move anything
        }
        let mut sum = 0;
        for s in start.iter_mut() {
            (*s, sum) = (sum, sum + *s);
        }
        for e in entries.iter() {
            let slot = &mut start[digit(e)];
            buffer[*slot] = *e;
            *slot += 1;
        }
        std::mem::swap(entries, &mut buffer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn radix_sort_is_a_stable_sort_by_column() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        for max in [0_u64, 1, 5, 2047, 2048, 1 << 24, u64::MAX] {
            let mut entries: Vec<Entry> = (0..5000)
                .map(|row| Entry {
                    col: rng.gen_range(0..=max),
                    row,
                    val: row as f64,
                })
                .collect();
            let mut expected = entries.clone();
            expected.sort_by_key(|e| e.col); // stable
            sort_by_column(&mut entries, max);
            let key = |v: &[Entry]| v.iter().map(|e| (e.col, e.row)).collect::<Vec<_>>();
            assert_eq!(key(&entries), key(&expected), "max {max}");
        }
    }

    #[test]
    fn pair_errors_name_the_field() {
        assert_eq!(pair(b"12:0.5"), Ok((12, 0.5)));
        for (field, needle) in [
            (&b"12"[..], "expected index:value"),
            (b":3", "cannot parse the index ''"),
            (b"1a:3", "cannot parse the index '1a'"),
            (b"-1:3", "cannot parse the index '-1'"),
            (b"3:x", "cannot parse the value 'x'"),
            (b"3:inf", "cannot parse the value 'inf'"),
            (
                b"99999999999999999999:1",
                "exceeds the largest supported index",
            ),
        ] {
            let message = pair(field).unwrap_err();
            assert!(message.contains(needle), "{message}");
        }
    }
}
