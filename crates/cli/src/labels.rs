//! Files of labels, one per line: the folds of `--folds` (one per row of `--data`) and the
//! groups of `--groups` (one per feature).

use crate::setup::Error;
use hypergrad::optim::data::Dataset;
use std::collections::{BTreeMap, BTreeSet};

/// The labels of the file `path` given as `--{option}`: one per line, surrounding blanks
/// trimmed, blank lines skipped, a UTF-8 byte order mark ignored. Any text without blanks or
/// commas is a label (`0`, `fold-3`, `a`). Fails, naming the line, on a line of several fields.
pub fn read(path: &str, option: &str) -> Result<Vec<String>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("--{option} {path}: {e}"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut labels = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let label = line.trim();
        if label.is_empty() {
            continue;
        }
        if label.contains(|c: char| c == ',' || c.is_whitespace()) {
            return Err(format!(
                "--{option} {path}: line {} holds `{label}`: one label per line expected",
                number + 1
            )
            .into());
        }
        labels.push(label.to_string());
    }
    Ok(labels)
}

/// Checks that `labels` (of `--{option}`) has `count` entries, one per `what` (a singular
/// noun: `row`, `feature`), and at least
/// `distinct` distinct values.
pub fn check(
    labels: &[String],
    option: &str,
    (count, what): (u64, &str),
    distinct: usize,
) -> Result<(), Error> {
    if labels.len() as u64 != count {
        return Err(format!(
            "--{option} has {} label(s) for {count} {what}s: one label per {what} expected",
            labels.len()
        )
        .into());
    }
    let found = labels.iter().collect::<BTreeSet<_>>().len();
    if found < distinct {
        return Err(format!(
            "--{option} has {found} distinct label(s): at least {distinct} needed"
        )
        .into());
    }
    Ok(())
}

/// The groups of `--groups`: one label per source feature of `data` (the features of a CSV, the
/// indices 1, 2, … of a LIBSVM file), the columns of the design that share a label forming one
/// group (a group whose features never occur in a LIBSVM file is left out).
pub fn groups(labels: &[String], data: &Dataset) -> Result<Vec<Vec<usize>>, Error> {
    check(labels, "groups", (data.columns.width(), "feature"), 1)?;
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (column, &source) in data.columns.kept().iter().enumerate() {
        let label = usize::try_from(source)
            .ok()
            .and_then(|i| labels.get(i))
            .ok_or("--groups: a feature index beyond the labels")?;
        groups.entry(label).or_default().push(column);
    }
    Ok(groups.into_values().collect())
}
