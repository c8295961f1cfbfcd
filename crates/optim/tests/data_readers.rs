//! Readers (CSV, LIBSVM) on small inline inputs, every error path with its line number; the
//! embedded data sets; seeded splits; standardization statistics.

use hypergrad_optim::data::{
    breast_cancer, diabetes, read_csv, read_csv_file, read_file, read_libsvm, read_libsvm_file,
    standardize, train_validation_split, CsvOptions, DataError, Format, TargetColumn,
};
use hypergrad_optim::Design;

fn dense(d: &Design) -> &ndarray::Array2<f64> {
    match d {
        Design::Dense(x) => x,
        _ => panic!("expected a dense design"),
    }
}

fn malformed_line(e: DataError) -> (usize, String) {
    match e {
        DataError::Malformed { line, message } => (line, message),
        other => panic!("expected a malformed-line error, got {other}"),
    }
}

#[test]
fn csv_with_and_without_header() {
    let text = "a,b,target\n1,2,3\n\n4,5,6\n";
    let d = read_csv(text.as_bytes(), &CsvOptions::default()).unwrap();
    assert_eq!(d.y, vec![3.0, 6.0]);
    assert_eq!(dense(&d.x), &ndarray::array![[1.0, 2.0], [4.0, 5.0]]);
    assert_eq!(
        d.feature_names,
        Some(vec!["a".to_string(), "b".to_string()])
    );
    let by_name = CsvOptions {
        header: Some(true),
        target: TargetColumn::Name("a".into()),
    };
    let d = read_csv(text.as_bytes(), &by_name).unwrap();
    assert_eq!(d.y, vec![1.0, 4.0]);
    assert_eq!(dense(&d.x), &ndarray::array![[2.0, 3.0], [5.0, 6.0]]);
    let no_header = read_csv("1,2\n3,4\n".as_bytes(), &CsvOptions::default()).unwrap();
    assert_eq!(
        (no_header.y.clone(), no_header.feature_names),
        (vec![2.0, 4.0], None)
    );
    let first = CsvOptions {
        header: Some(false),
        target: TargetColumn::Index(0),
    };
    assert_eq!(
        read_csv("1,2\n3,4\n".as_bytes(), &first).unwrap().y,
        vec![1.0, 3.0]
    );
}

#[test]
fn csv_errors_name_the_line() {
    let opts = CsvOptions::default();
    let (line, msg) =
        malformed_line(read_csv("a,b,c\n1,2,3\n4,5\n".as_bytes(), &opts).unwrap_err());
    assert_eq!((line, msg.as_str()), (3, "expected 3 fields, found 2"));
    let (line, msg) = malformed_line(read_csv("a,b\n1,2\n1,abc\n".as_bytes(), &opts).unwrap_err());
    assert_eq!(line, 3);
    assert!(msg.contains("'b'") && msg.contains("'abc'"), "{msg}");
    let (line, msg) = malformed_line(read_csv("1,2\nNaN,3\n".as_bytes(), &opts).unwrap_err());
    assert!(line == 2 && msg.contains("not finite"), "{line}: {msg}");
    let named = CsvOptions {
        header: None,
        target: TargetColumn::Name("z".into()),
    };
    let (line, msg) = malformed_line(read_csv("a,b\n1,2\n".as_bytes(), &named).unwrap_err());
    assert!(line == 2 && msg.contains("'z'"), "{msg}");
    assert!(matches!(
        read_csv("a,b\n".as_bytes(), &opts),
        Err(DataError::Empty)
    ));
}

#[test]
fn libsvm_reads_sparse_rows() {
    let text = "# a comment\n1 1:0.5 3:2 # trailing\n-1 qid:3 2:1.5\n\n+1\n";
    let d = read_libsvm(text.as_bytes(), None).unwrap();
    assert_eq!(d.y, vec![1.0, -1.0, 1.0]);
    assert_eq!((d.x.n_samples(), d.x.n_features()), (3, 3));
    let mut out = vec![0.0; 3];
    d.x.matvec(&[1.0, 10.0, 100.0], &mut out);
    assert_eq!(out, vec![200.5, 15.0, 0.0]);
    // n_features fixes the source's width; the design holds the columns that occur.
    let d = read_libsvm("1 2:1 4:0\n".as_bytes(), Some(5)).unwrap();
    assert_eq!((d.x.n_features(), d.columns.width()), (1, 5));
    assert_eq!((d.columns.kept(), d.columns.n_dropped()), (&[1][..], 4));
}

#[test]
fn libsvm_errors_name_the_line() {
    let cases = [
        ("1 1:1\nx 1:1\n", 2, "label"),
        ("1 0:1\n", 1, "1-based"),
        ("1 2:1 2:3\n", 1, "increase"),
        ("1 1:1\n1 3:1 2:1\n", 2, "increase"),
        ("1 1:abc\n", 1, "value"),
        ("1 1-2\n", 1, "index:value"),
        ("1 4:1\n", 1, "exceeds"),
    ];
    for (text, line, needle) in cases {
        let (l, msg) = malformed_line(read_libsvm(text.as_bytes(), Some(3)).unwrap_err());
        assert!(
            l == line && msg.contains(needle),
            "{text:?}: line {l}: {msg}"
        );
    }
    assert!(matches!(
        read_libsvm("# only\n".as_bytes(), None),
        Err(DataError::Empty)
    ));
}

#[test]
fn embedded_data_sets() {
    let d = diabetes();
    assert_eq!(
        (d.x.n_samples(), d.x.n_features(), d.y.len()),
        (442, 10, 442)
    );
    assert_eq!(d.feature_names.as_ref().unwrap()[2], "bmi");
    let b = breast_cancer();
    assert_eq!((b.x.n_samples(), b.x.n_features()), (569, 30));
    assert!(b.y.iter().all(|&v| v == 1.0 || v == -1.0));
}

#[test]
fn seeded_split_and_standardization() {
    let d = diabetes();
    let (mut train, mut val) = train_validation_split(&d, 0.25, 7).unwrap();
    assert_eq!((train.y.len(), val.y.len()), (331, 111));
    let (again, _) = train_validation_split(&d, 0.25, 7).unwrap();
    assert_eq!(train.y, again.y);
    let (other, _) = train_validation_split(&d, 0.25, 8).unwrap();
    assert_ne!(train.y, other.y);
    assert!(train_validation_split(&d, 1.0, 7).is_err());
    standardize(&mut train, &mut val).unwrap();
    let x = dense(&train.x);
    for column in x.columns() {
        let n = column.len() as f64;
        let mean = column.sum() / n;
        let var = column.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        assert!(
            mean.abs() < 1e-12 && (var - 1.0).abs() < 1e-12,
            "{mean} {var}"
        );
    }
}

#[test]
fn files_and_sparse_splits() {
    let missing = read_csv_file("/nonexistent/data.csv", &CsvOptions::default()).unwrap_err();
    assert!(matches!(missing, DataError::Io { .. }));
    assert!(
        missing.to_string().contains("/nonexistent/data.csv"),
        "{missing}"
    );
    let dir = std::env::temp_dir().join(format!("hypergrad-data-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("small.svm");
    std::fs::write(&path, "1 1:2\n-1 2:4\n1 1:6 2:8\n-1 2:2\n").unwrap();
    let d = read_libsvm_file(&path, None).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let (mut train, mut val) = train_validation_split(&d, 0.5, 1).unwrap();
    assert!(matches!(train.x, Design::Sparse(_)));
    assert_eq!((train.y.len(), val.y.len()), (2, 2));
    // Sparse columns are scaled (not centered) to unit root-mean-square.
    standardize(&mut train, &mut val).unwrap();
    for j in 0..2 {
        let mut column = vec![0.0; 2];
        train.x.col_axpy(j, 1.0, &mut column);
        let var = column.iter().map(|v| v * v).sum::<f64>() / 2.0;
        assert!(var == 0.0 || (var - 1.0).abs() < 1e-12, "column {j}: {var}");
    }
}

/// Peak memory is not observable here without an allocator hook; what is checked is that the
/// design holds one column per distinct index and that the read is fast (the old reader built
/// a 4·10⁹-column pointer array: 32 GB, an abort). The fuzz harness runs the same inputs under
/// an address-space limit.
#[test]
fn libsvm_huge_indices_keep_only_the_columns_that_occur() {
    for (text, index) in [
        ("1 4000000000:1\n", 4_000_000_000_u64),
        ("1 300000000:1\n", 300_000_000),
        ("1 100000000:1\n", 100_000_000),
        ("1 4294967296:1\n", 1 << 32),
        ("1 18446744073709551615:1\n", u64::MAX),
    ] {
        let start = std::time::Instant::now();
        let d = read_libsvm(text.as_bytes(), None).unwrap();
        assert!(start.elapsed().as_secs_f64() < 0.5, "{text:?}");
        assert_eq!((d.x.n_samples(), d.x.n_features()), (1, 1), "{text:?}");
        assert_eq!(d.columns.kept(), &[index - 1]);
        assert_eq!(d.columns.width(), index);
        assert_eq!(d.columns.n_dropped(), index - 1);
        assert_eq!(d.columns.restore(&[2.0]).unwrap(), vec![(index - 1, 2.0)]);
    }
    // Two rows sharing a hashed column, one alone: two columns, in index order.
    let d = read_libsvm("1 9000000000:1\n-1 5:2 9000000000:3\n".as_bytes(), None).unwrap();
    assert_eq!(d.columns.kept(), &[4, 8_999_999_999]);
    let mut out = vec![0.0; 2];
    d.x.matvec(&[10.0, 1.0], &mut out);
    assert_eq!(out, vec![1.0, 23.0]);
    // Past u64: a typed error naming the limit.
    let (line, msg) = malformed_line(
        read_libsvm("1 1:1\n1 18446744073709551616:1\n".as_bytes(), None).unwrap_err(),
    );
    assert!(
        line == 2 && msg.contains("largest supported index 18446744073709551615"),
        "{msg}"
    );
}

#[test]
fn libsvm_comments_qid_and_empty_rows() {
    // The fuzzed file of issue 13: comment lines, qid fields, a row with a label only.
    let text = "# header comment\n1 qid:1 1:0.5 # note\n#\n-1 qid:1\n  \n2 qid:2 3:1\n";
    let d = read_libsvm(text.as_bytes(), None).unwrap();
    assert_eq!(d.y, vec![1.0, -1.0, 2.0]);
    assert_eq!(d.columns.kept(), &[0, 2]);
    // Labels only, or comments only: typed errors, not a zero-column design.
    assert!(matches!(
        read_libsvm("1 qid:3\n-1\n".as_bytes(), None),
        Err(DataError::NoFeatures)
    ));
    assert!(matches!(
        read_libsvm("# a\n#b\n".as_bytes(), None),
        Err(DataError::Empty)
    ));
    // A long bad field is quoted short.
    let long = format!("1 1:{}\n", "x".repeat(10_000));
    let (_, msg) = malformed_line(read_libsvm(long.as_bytes(), None).unwrap_err());
    assert!(msg.len() < 120, "{msg}");
}

#[test]
fn byte_order_mark_in_both_readers() {
    let svm = read_libsvm("\u{FEFF}1 1:2\n-1 2:3\n".as_bytes(), None).unwrap();
    assert_eq!(svm.y, vec![1.0, -1.0]);
    // Header-less CSV: the BOM must not turn the first row into a header.
    let csv = read_csv("\u{FEFF}1,2\n3,4\n".as_bytes(), &CsvOptions::default()).unwrap();
    assert_eq!((csv.y, csv.feature_names), (vec![2.0, 4.0], None));
    let named = read_csv("\u{FEFF}a,y\n1,2\n".as_bytes(), &CsvOptions::default()).unwrap();
    assert_eq!(named.feature_names, Some(vec!["a".to_string()]));
}

#[test]
fn format_from_the_content_not_the_name() {
    let dir = std::env::temp_dir().join(format!("hypergrad-format-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        ("upper.CSV", "a,y\n1,2\n3,5\n", Format::Csv),
        ("csv.txt", "1,2\n3,5\n", Format::Csv),
        ("svm.csv", "# c, with comma\n2 1:1\n5 1:3\n", Format::Libsvm),
        ("noext", "\u{FEFF}2 1:1\n5 1:3\n", Format::Libsvm),
    ];
    for (name, text, format) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        assert_eq!(Format::detect(text.as_bytes()), format, "{name}");
        let d = read_file(&path, None).unwrap();
        assert_eq!(d.y, vec![2.0, 5.0], "{name}");
        assert_eq!(
            matches!(d.x, Design::Sparse(_)),
            format == Format::Libsvm,
            "{name}"
        );
    }
    // Given explicitly, the format is not second-guessed; the error says what was assumed.
    let csv = dir.join("upper.CSV");
    assert!(read_file(&csv, Some(Format::Libsvm)).is_err());
    std::fs::write(dir.join("semicolon.csv"), "1;2\n3;4\n").unwrap();
    let msg = read_file(dir.join("semicolon.csv"), None)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("read as LIBSVM, detected"), "{msg}");
    std::fs::remove_dir_all(&dir).unwrap();
}
