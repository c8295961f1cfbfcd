//! Bad input to the losses, models and coordinate descent gives typed errors.

mod cd_common;

use cd_common::*;
use hypergrad_optim::{
    CoordinateDescent, CoordinateDescentModel, Design, ElasticNet, GroupLasso, Lasso, LeastSquares,
    Logistic, MultiTaskLasso, OptimError, Ridge, SolverParams, SparseLogistic, WeightedLasso,
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
    let e = SparseLogistic::new(dense(&x), array![1.0, 2.0, -1.0].view()).unwrap_err();
    assert!(is_invalid(e, "y"));
}

#[test]
fn penalty_errors() {
    // Penalties come from θ = log α: a θ that is not finite, or whose exp(θ) overflows, is
    // refused by every model with a typed error naming θ or the penalty.
    let x = array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
    let y = array![1.0, -1.0, 1.0];
    let lasso = Lasso::new(dense(&x), y.view()).unwrap();
    let logistic = SparseLogistic::new(dense(&x), y.view()).unwrap();
    let group = GroupLasso::new(dense(&x), y.view(), vec![vec![0, 1]]).unwrap();
    let enet = ElasticNet::new(dense(&x), y.view()).unwrap();
    let weighted = WeightedLasso::new(dense(&x), y.view()).unwrap();
    let ridge = Ridge::new(dense(&x), y.view()).unwrap();
    for alpha in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let theta = [f64::ln(alpha)];
        let non_finite = OptimError::NonFinite { what: "theta" };
        assert_eq!(lasso.penalty(&theta).unwrap_err(), non_finite);
        assert_eq!(logistic.penalty(&theta).unwrap_err(), non_finite);
        assert_eq!(group.penalty(&theta).unwrap_err(), non_finite);
        assert_eq!(enet.penalty(&[theta[0], 0.0]).unwrap_err(), non_finite);
        assert_eq!(weighted.penalty(&[0.0, theta[0]]).unwrap_err(), non_finite);
        assert_eq!(ridge.closed_form(&theta).unwrap_err(), non_finite);
    }
    // exp(θ) = ∞: finite θ, invalid penalty.
    let huge = [1000.0];
    assert!(is_invalid(lasso.penalty(&huge).unwrap_err(), "alpha"));
    assert!(is_invalid(logistic.penalty(&huge).unwrap_err(), "alpha"));
    assert!(is_invalid(group.penalty(&huge).unwrap_err(), "alpha"));
    assert!(is_invalid(
        enet.penalty(&[1000.0, 0.0]).unwrap_err(),
        "alpha"
    ));
    assert!(is_invalid(
        enet.penalty(&[0.0, 1000.0]).unwrap_err(),
        "alpha_l2"
    ));
    assert!(is_invalid(
        weighted.penalty(&[0.0, 1000.0]).unwrap_err(),
        "alpha"
    ));
    assert!(is_invalid(ridge.closed_form(&huge).unwrap_err(), "alpha"));
    // A tiny α₂ (elastic net) or α (ridge) is allowed.
    assert!(enet.penalty(&[0.0, -700.0]).is_ok());
    assert!(ridge.closed_form(&[-30.0]).is_ok());
    let e = weighted.penalty(&[0.0]).unwrap_err();
    assert_eq!(
        e,
        OptimError::ShapeMismatch {
            what: "theta",
            expected: 2,
            got: 1
        }
    );
}

#[test]
fn singular_ridge_and_bad_groups() {
    // Two equal columns: XᵀX singular, so a vanishing α is not positive definite.
    let x = array![[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]];
    let y = array![1.0, 0.0, 1.0];
    let ridge = Ridge::new(dense(&x), y.view()).unwrap();
    let e = ridge.closed_form(&[-700.0]).unwrap_err();
    assert!(is_invalid(e, "alpha"));
    assert!(ridge.closed_form(&[f64::ln(1e-3)]).is_ok());
    for groups in [
        vec![vec![0]],
        vec![vec![0, 1], vec![1]],
        vec![vec![0, 2], vec![1]],
    ] {
        let e = GroupLasso::new(dense(&x), y.view(), groups).unwrap_err();
        assert!(is_invalid(e, "groups"));
    }
    let e = GroupLasso::new(dense(&x), y.view(), vec![vec![0, 1], vec![]]).unwrap_err();
    assert_eq!(e, OptimError::EmptyData { what: "group" });
}

#[test]
fn multitask_errors() {
    let x = array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
    let y = array![[1.0, 0.0], [2.0, 1.0], [0.0, f64::NAN]];
    let e = MultiTaskLasso::new(dense(&x), y.view()).unwrap_err();
    assert_eq!(e, OptimError::NonFinite { what: "y" });
    let e = MultiTaskLasso::new(dense(&x), y.slice(ndarray::s![..2, ..])).unwrap_err();
    assert_eq!(
        e,
        OptimError::ShapeMismatch {
            what: "y",
            expected: 3,
            got: 2
        }
    );
    let e = MultiTaskLasso::new(dense(&x), Array2::zeros((3, 0)).view()).unwrap_err();
    assert_eq!(e, OptimError::EmptyData { what: "y" });
    let multitask = MultiTaskLasso::new(dense(&x), array![[1.0], [2.0], [3.0]].view()).unwrap();
    let e = multitask.penalty(&[1000.0]).unwrap_err();
    assert!(is_invalid(e, "alpha"));
}

#[test]
fn solver_errors() {
    let (x, y) = gaussian_problem(10, 4, 2, 61);
    let lasso_theta = [f64::ln(0.1)];
    let lasso = Lasso::new(dense(&x), y.view()).unwrap();
    let e = CoordinateDescent::default()
        .solve(&lasso, &lasso_theta, Some(&[0.0; 3]))
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
        .solve(&lasso, &lasso_theta, Some(&[0.0, f64::NAN, 0.0, 0.0]))
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
        assert!(CoordinateDescent::new(params)
            .solve(&lasso, &lasso_theta, None)
            .is_err());
    }
    let zero_freq = CoordinateDescent {
        gap_frequency: 0,
        ..Default::default()
    };
    assert!(is_invalid(
        zero_freq.solve(&lasso, &lasso_theta, None).unwrap_err(),
        "gap_frequency"
    ));
}
