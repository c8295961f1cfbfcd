//! Bad input to the losses, models and coordinate descent gives typed errors.

mod cd_common;

use cd_common::*;
use hypergrad_optim::{
    CoordinateDescent, Design, ElasticNet, GroupLasso, Lasso, LeastSquares, Logistic,
    MultiTaskLasso, OptimError, Ridge, SolverParams, SparseLogistic, WeightedLasso,
};
use ndarray::{array, Array2};

fn is_invalid(e: OptimError, param: &str) -> bool {
    matches!(e, OptimError::InvalidParameter { name, .. } if name == param)
}

#[test]
fn data_errors() {
    let x = array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
    let y = array![1.0, -1.0, 1.0];
    let e = LeastSquares::new(dense(&x), array![1.0, 2.0].view()).unwrap_err();
    assert_eq!(
        e,
        OptimError::ShapeMismatch {
            what: "y",
            expected: 3,
            got: 2
        }
    );
    let e = LeastSquares::new(dense(&x), array![1.0, f64::INFINITY, 0.0].view()).unwrap_err();
    assert_eq!(e, OptimError::NonFinite { what: "y" });
    let mut bad = x.clone();
    bad[[1, 1]] = f64::NAN;
    assert_eq!(
        Design::dense(bad.clone()).unwrap_err(),
        OptimError::NonFinite { what: "design" }
    );
    // A hand-built design is re-checked by the loss constructors.
    let e = LeastSquares::new(Design::Dense(bad), y.view()).unwrap_err();
    assert_eq!(e, OptimError::NonFinite { what: "design" });
    assert_eq!(
        Design::dense(Array2::zeros((0, 3))).unwrap_err(),
        OptimError::EmptyData { what: "design" }
    );
    let e = Logistic::new(dense(&x), array![1.0, 0.0, -1.0].view()).unwrap_err();
    assert!(is_invalid(e, "y"));
    let e = SparseLogistic::new(dense(&x), array![1.0, 2.0, -1.0].view(), 0.1).unwrap_err();
    assert!(is_invalid(e, "y"));
}

#[test]
fn penalty_errors() {
    let x = array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
    let y = array![1.0, -1.0, 1.0];
    for alpha in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(is_invalid(
            Lasso::new(dense(&x), y.view(), alpha).unwrap_err(),
            "alpha"
        ));
        assert!(is_invalid(
            SparseLogistic::new(dense(&x), y.view(), alpha).unwrap_err(),
            "alpha"
        ));
        let groups = vec![vec![0, 1]];
        assert!(is_invalid(
            GroupLasso::new(dense(&x), y.view(), groups, alpha).unwrap_err(),
            "alpha"
        ));
        assert!(is_invalid(
            ElasticNet::new(dense(&x), y.view(), alpha, 1.0).unwrap_err(),
            "alpha_l1"
        ));
        assert!(is_invalid(
            WeightedLasso::new(dense(&x), y.view(), &[1.0, alpha]).unwrap_err(),
            "alphas"
        ));
    }
    // α₂ = 0 (elastic net) and α = 0 (ridge) are allowed; negative values are not.
    assert!(ElasticNet::new(dense(&x), y.view(), 1.0, 0.0).is_ok());
    assert!(is_invalid(
        ElasticNet::new(dense(&x), y.view(), 1.0, -1.0).unwrap_err(),
        "alpha_l2"
    ));
    assert!(Ridge::new(dense(&x), y.view(), 0.0)
        .unwrap()
        .solve()
        .is_ok());
    assert!(is_invalid(
        Ridge::new(dense(&x), y.view(), -0.1).unwrap_err(),
        "alpha"
    ));
    let e = WeightedLasso::new(dense(&x), y.view(), &[1.0]).unwrap_err();
    assert_eq!(
        e,
        OptimError::ShapeMismatch {
            what: "alphas",
            expected: 2,
            got: 1
        }
    );
    let mut lasso = Lasso::new(dense(&x), y.view(), 1.0).unwrap();
    assert!(is_invalid(lasso.set_alpha(0.0).unwrap_err(), "alpha"));
    assert_eq!(lasso.alpha(), 1.0);
}

#[test]
fn singular_ridge_and_bad_groups() {
    // Two equal columns: XᵀX singular, so α = 0 is not positive definite.
    let x = array![[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]];
    let y = array![1.0, 0.0, 1.0];
    let e = Ridge::new(dense(&x), y.view(), 0.0)
        .unwrap()
        .solve()
        .unwrap_err();
    assert!(is_invalid(e, "alpha"));
    assert!(Ridge::new(dense(&x), y.view(), 1e-3)
        .unwrap()
        .solve()
        .is_ok());
    for groups in [
        vec![vec![0]],
        vec![vec![0, 1], vec![1]],
        vec![vec![0, 2], vec![1]],
    ] {
        let e = GroupLasso::new(dense(&x), y.view(), groups, 0.1).unwrap_err();
        assert!(is_invalid(e, "groups"));
    }
    let e = GroupLasso::new(dense(&x), y.view(), vec![vec![0, 1], vec![]], 0.1).unwrap_err();
    assert_eq!(e, OptimError::EmptyData { what: "group" });
}

#[test]
fn multitask_errors() {
    let x = array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
    let y = array![[1.0, 0.0], [2.0, 1.0], [0.0, f64::NAN]];
    let e = MultiTaskLasso::new(dense(&x), y.view(), 0.1).unwrap_err();
    assert_eq!(e, OptimError::NonFinite { what: "y" });
    let e = MultiTaskLasso::new(dense(&x), y.slice(ndarray::s![..2, ..]), 0.1).unwrap_err();
    assert_eq!(
        e,
        OptimError::ShapeMismatch {
            what: "y",
            expected: 3,
            got: 2
        }
    );
    let e = MultiTaskLasso::new(dense(&x), Array2::zeros((3, 0)).view(), 0.1).unwrap_err();
    assert_eq!(e, OptimError::EmptyData { what: "y" });
    let e = MultiTaskLasso::new(dense(&x), array![[1.0], [2.0], [3.0]].view(), 0.0).unwrap_err();
    assert!(is_invalid(e, "alpha"));
}

#[test]
fn solver_errors() {
    let (x, y) = gaussian_problem(10, 4, 2, 61);
    let lasso = Lasso::new(dense(&x), y.view(), 0.1).unwrap();
    let e = CoordinateDescent::default()
        .solve(&lasso, Some(&[0.0; 3]))
        .unwrap_err();
    assert_eq!(
        e,
        OptimError::ShapeMismatch {
            what: "coefficients",
            expected: 4,
            got: 3
        }
    );
    let e = CoordinateDescent::default()
        .solve(&lasso, Some(&[0.0, f64::NAN, 0.0, 0.0]))
        .unwrap_err();
    assert_eq!(
        e,
        OptimError::NonFinite {
            what: "coefficients"
        }
    );
    for (tol, max_iter) in [(0.0, 10), (f64::NAN, 10), (1e-6, 0)] {
        let params = SolverParams {
            max_iter,
            tol,
            record_history: false,
        };
        assert!(CoordinateDescent::new(params).solve(&lasso, None).is_err());
    }
    let zero_freq = CoordinateDescent {
        gap_frequency: 0,
        ..Default::default()
    };
    assert!(is_invalid(
        zero_freq.solve(&lasso, None).unwrap_err(),
        "gap_frequency"
    ));
}
