//! The text format of a data file, given or detected from its content (never its name).

use super::{open, read_csv, read_libsvm, strip_bom, CsvOptions, DataError, Dataset};
use std::io::BufRead;
use std::path::Path;

/// A data file's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values, read by [`read_csv`] with [`CsvOptions::default`].
    Csv,
    /// LIBSVM / SVMlight text, read by [`read_libsvm`] with the columns that occur.
    Libsvm,
}

impl Format {
    /// The format of a file that starts with `prefix`: CSV if its first data line (the first
    /// that is neither blank nor a `#` comment, after any byte-order mark) holds a comma,
    /// LIBSVM otherwise. A CSV file always has a comma there (a target and at least one
    /// feature), a LIBSVM line never (its fields are separated by blanks).
    ///
    /// ```
    /// use hypergrad_optim::data::Format;
    ///
    /// assert_eq!(Format::detect(b"\xEF\xBB\xBFa,b,y\n1,2,3\n"), Format::Csv);
    /// assert_eq!(Format::detect(b"# comment, with a comma\n+1 3:0.5\n"), Format::Libsvm);
    /// ```
    pub fn detect(prefix: &[u8]) -> Format {
        let first = strip_bom(prefix)
            .split(|&b| b == b'\n')
            .map(|line| line.trim_ascii())
            .find(|line| !line.is_empty() && !line.starts_with(b"#"));
        match first {
            Some(line) if line.contains(&b',') => Format::Csv,
            _ => Format::Libsvm,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Libsvm => "LIBSVM",
        }
    }
}

/// Reads a data file in `format`, or in the format detected from its first 64 KiB
/// ([`Format::detect`]) when `None`: [`read_data`] on the file.
pub fn read_file(path: impl AsRef<Path>, format: Option<Format>) -> Result<Dataset, DataError> {
    read_data(open(path.as_ref())?, format)
}

/// Reads data in `format`, or in the format detected from what `reader` holds buffered
/// ([`Format::detect`]) when `None`. An error on a detected format says which was assumed.
pub fn read_data(mut reader: impl BufRead, format: Option<Format>) -> Result<Dataset, DataError> {
    let detected = match format {
        Some(f) => return read_as(reader, f),
        None => Format::detect(reader.fill_buf().map_err(|e| DataError::Malformed {
            line: 1,
            message: e.to_string(),
        })?),
    };
    read_as(reader, detected).map_err(|e| match e {
        DataError::Malformed { line, message } => DataError::Malformed {
            line,
            message: format!(
                "{message} (read as {}, detected from the content; give the format to override)",
                detected.name()
            ),
        },
        other => other,
    })
}

fn read_as(reader: impl BufRead, format: Format) -> Result<Dataset, DataError> {
    match format {
        Format::Csv => read_csv(reader, &CsvOptions::default()),
        Format::Libsvm => read_libsvm(reader, None),
    }
}
