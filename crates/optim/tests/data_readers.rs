//! Readers (CSV, LIBSVM) on small inline inputs, every error path with its line number; the
//! embedded data sets; seeded splits; standardization statistics.

use hypergrad_optim::data::{
    breast_cancer, diabetes, read_csv, read_csv_file, read_libsvm, read_libsvm_file, standardize,
    train_validation_split, CsvOptions, DataError, TargetColumn,
};
use hypergrad_optim::Design;

fn dense(d: &Design) -> &ndarray::Array2<f64> {
    match d {
        Design::Dense(x) => x,
        Design::Sparse(_) => panic!("expected a dense design"),
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
    assert_eq!(
        read_libsvm("1 2:1\n".as_bytes(), Some(5))
            .unwrap()
            .x
            .n_features(),
        5
    );
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
    standardize(&mut train, &mut val);
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
    standardize(&mut train, &mut val);
    for j in 0..2 {
        let mut column = vec![0.0; 2];
        train.x.col_axpy(j, 1.0, &mut column);
        let var = column.iter().map(|v| v * v).sum::<f64>() / 2.0;
        assert!(var == 0.0 || (var - 1.0).abs() < 1e-12, "column {j}: {var}");
    }
}
