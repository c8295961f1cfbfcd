//! Preprocessing fitted on training data: constant columns, one rule for every format, the map
//! back to the original scale, overflow-safe statistics, typed errors; the `Xᵀy = 0` check.

use hypergrad_optim::data::{
    check_signal, diabetes, read_csv, read_libsvm, standardize, train_validation_split, CsvOptions,
    DataError, Dataset, NullModel, Preprocessing, Standardization,
};
use hypergrad_optim::Design;
use ndarray::{s, Array2, ShapeBuilder};

fn dense(d: &Design) -> &Array2<f64> {
    match d {
        Design::Dense(x) => x,
        _ => panic!("expected a dense design"),
    }
}

/// Diabetes with an eleventh column of 0.1 everywhere.
fn diabetes_with_constant() -> Dataset {
    let d = diabetes();
    let x = dense(&d.x);
    let mut wide = Array2::from_elem((x.nrows(), 11), 0.1);
    wide.slice_mut(s![.., ..10]).assign(x);
    Dataset::new(Design::dense(wide).unwrap(), d.y).unwrap()
}

#[test]
fn a_constant_column_is_reported_and_maps_to_zero_not_minus_one() {
    let (mut train, mut val) = train_validation_split(&diabetes_with_constant(), 0.3, 0).unwrap();
    let (mut plain_train, mut plain_val) = train_validation_split(&diabetes(), 0.3, 0).unwrap();
    // The mean of 0.1 summed 309 times is not exactly 0.1: an exact `var > 0` test scaled the
    // rounding residue to ±1.
    assert_eq!(train.y.len(), 309);
    assert_ne!(vec![0.1; 309].iter().sum::<f64>() / 309.0, 0.1);
    let map = standardize(&mut train, &mut val).unwrap();
    assert_eq!(map.constant, vec![10]);
    assert!(dense(&train.x).column(10).iter().all(|&v| v == 0.0));
    assert!(dense(&val.x).column(10).iter().all(|&v| v == 0.0));
    // The other columns are standardized as without the constant one, bit for bit.
    standardize(&mut plain_train, &mut plain_val).unwrap();
    assert_eq!(
        dense(&train.x).slice(s![.., ..10]),
        dense(&plain_train.x).view()
    );
    // Features used as given: the column stays 0.1 (it is the user's intercept column), and is
    // still reported.
    let (raw, _) = train_validation_split(&diabetes_with_constant(), 0.3, 0).unwrap();
    let fitted = Preprocessing::fit(&raw.x, Standardization::NONE).unwrap();
    assert!(fitted.is_identity() && fitted.constant == vec![10]);
    // Scaling without centering: 0.1 becomes 1 (unit root mean square), never −1.
    let mut scaled = raw.clone();
    Preprocessing::fit(&raw.x, Standardization::SCALE)
        .unwrap()
        .apply(&mut scaled)
        .unwrap();
    let column = dense(&scaled.x).column(10).to_owned();
    assert!(column.iter().all(|&v| (v - 1.0).abs() < 1e-15), "{column}");
}

#[test]
fn different_feature_counts_are_a_typed_error_and_change_nothing() {
    let mut train = diabetes_with_constant();
    let mut val = diabetes();
    let before = dense(&train.x).clone();
    let err = standardize(&mut train, &mut val).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::FeatureCount {
                expected: 11,
                got: 10
            }
        ),
        "{err}"
    );
    assert_eq!(dense(&train.x), &before);
    let map = Preprocessing::fit(&train.x, Standardization::FULL).unwrap();
    assert!(matches!(
        map.apply(&mut val),
        Err(DataError::FeatureCount { .. })
    ));
    assert!(map.to_original(&[1.0; 10], 0.0).is_err());
}

/// The case: CSV training data and LIBSVM validation data of the same rows were
/// prepared by two rules (training centered, validation only scaled).
#[test]
fn libsvm_validation_is_prepared_by_the_training_rule() {
    let (train, val) = train_validation_split(&diabetes(), 0.3, 1).unwrap();
    let x = dense(&val.x);
    let mut text = String::new();
    for (i, row) in x.rows().into_iter().enumerate() {
        text += &format!("{}", val.y[i]);
        for (j, v) in row.iter().enumerate() {
            text += &format!(" {}:{v}", j + 1);
        }
        text += "\n";
    }
    let mut svm_val = read_libsvm(text.as_bytes(), None).unwrap();
    svm_val.align_columns(&train.columns).unwrap();
    let (mut t1, mut v1) = (train.clone(), val.clone());
    let (mut t2, mut v2) = (train, svm_val);
    standardize(&mut t1, &mut v1).unwrap();
    standardize(&mut t2, &mut v2).unwrap();
    // `{v}` prints the shortest text that parses back to the same double: equal bit for bit.
    // The LIBSVM set stays sparse, centered implicitly: its columns x·s + (−m·s), the same
    // IEEE sum as the dense x·s − m·s.
    let materialized = |d: &Design| {
        let mut out = Array2::zeros((d.n_samples(), d.n_features()).f());
        for (j, mut column) in out.columns_mut().into_iter().enumerate() {
            d.col_axpy(j, 1.0, column.as_slice_mut().unwrap());
        }
        out
    };
    assert!(matches!(v2.x, Design::Centered { .. }));
    assert_eq!(dense(&v1.x), &materialized(&v2.x));
    assert_eq!(v1.y, v2.y);
}

#[test]
fn coefficients_map_back_to_the_original_columns() {
    let d = diabetes();
    for rule in [
        Standardization::FULL,
        Standardization::SCALE,
        Standardization::NONE,
    ] {
        let map = Preprocessing::fit(&d.x, rule).unwrap();
        let mut mapped = d.clone();
        map.apply(&mut mapped).unwrap();
        let coef: Vec<f64> = (0..10).map(|j| (j as f64 - 4.5) * 3.0).collect();
        let (original, intercept) = map.to_original(&coef, 150.0).unwrap();
        let (mut a, mut b) = (vec![0.0; 442], vec![0.0; 442]);
        mapped.x.matvec(&coef, &mut a);
        d.x.matvec(&original, &mut b);
        for (p, q) in a.iter().zip(&b) {
            // Two sums of ten terms of size ≤ 1e3: agreement to ~1e3·10·ε ≈ 2e-12 absolute.
            assert!(((p + 150.0) - (q + intercept)).abs() < 1e-10, "{rule:?}");
        }
    }
}

#[test]
fn entries_near_the_largest_double_give_finite_statistics() {
    let text = "a,b,y\n1e308,1,2\n-1e308,2,3\n1.5e308,3,1\n5,-1.7e308,1\n";
    let (mut train, mut val) = {
        let d = read_csv(text.as_bytes(), &CsvOptions::default()).unwrap();
        (d.clone(), d)
    };
    let map = standardize(&mut train, &mut val).unwrap();
    assert!(map.mean.iter().chain(&map.scale).all(|v| v.is_finite()));
    let x = dense(&train.x);
    for column in x.columns() {
        let mean = column.sum() / 4.0;
        let var = column.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 4.0;
        // Statistics of x/max|x| then rescaled: relative error a few ε.
        assert!(
            mean.abs() < 1e-14 && (var - 1.0).abs() < 1e-14,
            "{mean} {var}"
        );
    }
    // A validation value whose standardized value is past the largest double: a typed error.
    let mut far = read_csv(
        "a,b,y\n1e308,1.7e308,2\n".as_bytes(),
        &CsvOptions::default(),
    )
    .unwrap();
    let tiny = read_csv(
        "a,b,y\n1e-300,1,1\n2e-300,2,1\n".as_bytes(),
        &CsvOptions::default(),
    )
    .unwrap();
    let map = Preprocessing::fit(&tiny.x, Standardization::FULL).unwrap();
    assert!(matches!(
        map.apply(&mut far),
        Err(DataError::Overflow { column: 0 })
    ));
}

#[test]
fn centering_a_huge_sparse_design_keeps_it_sparse() {
    // 2¹⁵ × 2¹⁴ = 2²⁹ entries if made dense (4 GiB), one non-zero: centering stores the shifts.
    let mut tri = sprs::TriMat::new((1 << 15, 1 << 14));
    tri.add_triplet(3, 5, 2.0);
    let raw = Dataset::new(Design::sparse(tri.to_csc()).unwrap(), vec![1.0; 1 << 15]).unwrap();
    let mut d = raw.clone();
    let map = Preprocessing::fit(&d.x, Standardization::FULL).unwrap();
    map.apply(&mut d).unwrap();
    let Design::Centered { x, shift } = &d.x else {
        panic!("a centered sparse design stays sparse")
    };
    assert_eq!(x.nnz(), 1);
    // Column 5: mean 2/2¹⁵, standard deviation σ; x̃ = (x − m)/σ has mean 0 and unit variance.
    let n = (1u64 << 15) as f64;
    let m = 2.0 / n;
    let sd = ((4.0 / n) - m * m).sqrt();
    assert!((shift[5] - m / sd).abs() <= 1e-12 * (m / sd));
    let mut column = vec![0.0; 1 << 15];
    d.x.col_axpy(5, 1.0, &mut column);
    assert!(column.iter().sum::<f64>().abs() < 1e-9);
    let var = column.iter().map(|v| v * v).sum::<f64>() / n;
    assert!((var - 1.0).abs() < 1e-12, "{var}");
    // Scaling keeps sparsity and works.
    let mut d = raw;
    let scale = Preprocessing::fit(&d.x, Standardization::SCALE).unwrap();
    scale.apply(&mut d).unwrap();
    assert!(matches!(d.x, Design::Sparse(_)));
    assert_eq!(scale.constant.len(), (1 << 14) - 1);
}

#[test]
fn nothing_to_select_names_the_cause() {
    let d = diabetes();
    assert!(check_signal(&d.x, &d.y).is_ok());
    let cause = |x: &Design, y: &[f64]| match check_signal(x, y) {
        Err(DataError::NothingToSelect(c)) => Some(c),
        _ => None,
    };
    assert_eq!(cause(&d.x, &[0.0; 442]), Some(NullModel::ZeroTarget));
    // Two rows: a one-row training set, centered, is all zeros.
    let csv = read_csv("1,5,2\n3,4,7\n".as_bytes(), &CsvOptions::default()).unwrap();
    let (mut train, mut val) = train_validation_split(&csv, 0.5, 0).unwrap();
    standardize(&mut train, &mut val).unwrap();
    assert_eq!(cause(&train.x, &train.y), Some(NullModel::NoNonZeroColumn));
    // Orthogonal up to rounding: x = (0.1, 0.2, 0.3) − mean against a constant target.
    let x = Design::dense(ndarray::array![[0.1 - 0.2], [0.0], [0.3 - 0.2]]).unwrap();
    assert_eq!(cause(&x, &[5.0, 5.0, 5.0]), Some(NullModel::Orthogonal));
    assert_eq!(cause(&x, &[5.0, 5.0, 5.1]), None);
    // No overflow near the largest double.
    let big = Design::dense(ndarray::array![[1e308], [1e308]]).unwrap();
    assert_eq!(cause(&big, &[1e308, 1e308]), None);
    let msg = check_signal(&d.x, &[0.0; 442]).unwrap_err().to_string();
    assert_eq!(msg, "the target is zero: there is nothing to select");
}
