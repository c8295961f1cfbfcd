//! K-fold cross-validation of a Lasso on the embedded diabetes data as one outer objective:
//! the mean of the per-fold objectives, its hypergradient against finite differences, warm
//! starts across outer steps, construction errors, L-BFGS on it against a grid, and folds
//! given by labels against the same folds drawn by `kfold`.

use hypergrad_bilevel::outer::{
    grid_search, Bilevel, CrossValidation, HyperEval, HyperObjective, Lbfgs, LineSearch,
    ToleranceSchedule,
};
use hypergrad_bilevel::{BilevelError, HeldOutMse, LinearSolver, Method, Options};
use hypergrad_optim::data::{diabetes, kfold, labelled_folds, standardize, Dataset};
use hypergrad_optim::{Design, Lasso, WeightedLasso};
use ndarray::{array, Array1};

/// Per fold: a Lasso on the standardized training folds (targets centered by the training
/// mean) and the held-out MSE on the remaining fold, mapped the same way.
fn diabetes_folds(k: usize) -> (Vec<Lasso>, Vec<HeldOutMse>) {
    fold_problems(kfold(&diabetes(), k, 0).unwrap())
}

/// [`diabetes_folds`] of given (train, validation) pairs.
fn fold_problems(pairs: Vec<(Dataset, Dataset)>) -> (Vec<Lasso>, Vec<HeldOutMse>) {
    pairs
        .into_iter()
        .map(|(mut train, mut val)| {
            standardize(&mut train, &mut val).unwrap();
            let mean = train.y.iter().sum::<f64>() / train.y.len() as f64;
            let center = |y: &[f64]| Array1::from_iter(y.iter().map(|v| v - mean));
            let lasso = Lasso::new(train.x, center(&train.y).view()).unwrap();
            let mse = HeldOutMse::new(val.x, center(&val.y).view()).unwrap();
            (lasso, mse)
        })
        .unzip()
}

fn cross_validation<'a>(
    lassos: &'a mut [Lasso],
    criteria: &'a [HeldOutMse],
    method: Method,
) -> CrossValidation<'a, Lasso, HeldOutMse> {
    let folds = lassos
        .iter_mut()
        .zip(criteria)
        .map(|(lasso, mse)| Bilevel::new(lasso, mse, method, Options::default()))
        .collect();
    CrossValidation::new(folds).unwrap()
}

/// `log α` a tenth of the way down from the largest `α_max` over the folds, a few active
/// features.
fn lambda(lassos: &[Lasso]) -> f64 {
    (lassos.iter().map(Lasso::alpha_max).fold(0.0, f64::max) / 10.0).ln()
}

#[test]
fn value_and_gradient_are_the_means_over_folds() {
    let (mut lassos, criteria) = diabetes_folds(4);
    let l = [lambda(&lassos)];
    let tol = 1e-10;
    let mut separate: Vec<HyperEval> = Vec::new();
    let mut values: Vec<HyperEval> = Vec::new();
    for (lasso, mse) in lassos.iter_mut().zip(&criteria) {
        let mut fold = Bilevel::new(lasso, mse, Method::ImplicitForward, Options::default());
        separate.push(fold.evaluate(&l, tol).unwrap());
        let mut fold = Bilevel::new(lasso, mse, Method::ImplicitForward, Options::default());
        values.push(fold.value(&l, tol).unwrap());
    }
    let mean = |f: &dyn Fn(&HyperEval) -> f64, e: &[HyperEval]| {
        e.iter().map(f).sum::<f64>() / e.len() as f64
    };
    let mut cv = cross_validation(&mut lassos, &criteria, Method::ImplicitForward);
    assert_eq!(cv.dim(), 1);
    assert_eq!(cv.folds().len(), 4);
    let eval = cv.evaluate(&l, tol).unwrap();
    // The same deterministic computations from the same cold starts, summed in another order:
    // agreement to rounding (1e-12 relative).
    let value = mean(&|e| e.value, &separate);
    let grad = mean(&|e| e.grad[0], &separate);
    assert!(
        (eval.value - value).abs() <= 1e-12 * value.abs(),
        "{eval:?}"
    );
    assert!(
        (eval.grad[0] - grad).abs() <= 1e-12 * grad.abs(),
        "{eval:?}"
    );
    let iterations: usize = separate.iter().map(|e| e.inner_iterations).sum();
    assert_eq!(eval.inner_iterations, iterations);
    assert!(grad.abs() > 0.0 && separate.iter().any(|e| e.grad[0] != grad));

    let mut cv = cross_validation(&mut lassos, &criteria, Method::ImplicitForward);
    let only = cv.value(&l, tol).unwrap();
    assert!(only.grad.is_empty());
    let value = mean(&|e| e.value, &values);
    assert!((only.value - value).abs() <= 1e-12 * value.abs());
}

#[test]
fn cv_hypergradient_matches_central_differences() {
    let (mut lassos, criteria) = diabetes_folds(5);
    let l = lambda(&lassos);
    // Inner problems to a relative duality gap of 1e-14: coordinate descent on a fixed support
    // converges linearly, so h is then accurate to ~1e-10 relative or better, and the central
    // difference with δ = 1e-3 carries an inner error ≲ 1e-10·h/δ = 1e-7·h ≈ 2e-6·|h'| (here
    // h' ≈ 0.06·h) plus the truncation δ²/6·|h'''| (h is smooth in log α on a fixed support).
    // Measured: 7.3e-7 relative at δ = 1e-3 and 7e-9 at δ = 1e-4, the δ² law of truncation.
    // 1e-5 relative covers both terms and is far below the O(1) error of a wrong derivative.
    let (tol, delta) = (1e-14, 1e-3);
    for method in [
        Method::ImplicitForward,
        Method::Implicit {
            linear_solver: LinearSolver::Dense,
        },
    ] {
        let mut cv = cross_validation(&mut lassos, &criteria, method);
        let grad = cv.evaluate(&[l], tol).unwrap().grad[0];
        let plus = cv.value(&[l + delta], tol).unwrap().value;
        let minus = cv.value(&[l - delta], tol).unwrap().value;
        let fd = (plus - minus) / (2.0 * delta);
        println!(
            "{}: CV hypergradient {grad:.10e}, central difference {fd:.10e}",
            method.name()
        );
        assert!(
            (grad - fd).abs() <= 1e-5 * fd.abs(),
            "{}: {grad} vs {fd}",
            method.name()
        );
    }
}

#[test]
fn folds_are_warm_started_across_outer_steps() {
    let (mut lassos, criteria) = diabetes_folds(5);
    let l = lambda(&lassos);
    let (tol, step) = (1e-10, 0.05);
    let mut cv = cross_validation(&mut lassos, &criteria, Method::ImplicitForward);
    let first = cv.evaluate(&[l], tol).unwrap();
    let warm = cv.evaluate(&[l - step], tol).unwrap();
    assert!(cv.folds().iter().all(|f| f.warm.x.is_some()));
    let mut cold_cv = cross_validation(&mut lassos, &criteria, Method::ImplicitForward);
    let cold = cold_cv.evaluate(&[l - step], tol).unwrap();
    println!(
        "inner iterations over 5 folds: first {}, nearby warm {}, nearby cold {}",
        first.inner_iterations, warm.inner_iterations, cold.inner_iterations
    );
    assert!(warm.inner_iterations < cold.inner_iterations);
    // Same point, same tolerance: the warm start changes the path, not the answer (to the
    // inner tolerance's effect on h, well within 1e-6 relative).
    assert!((warm.value - cold.value).abs() <= 1e-6 * cold.value);
}

#[test]
fn construction_and_fold_errors() {
    let none: Vec<Bilevel<'_, Lasso, HeldOutMse>> = Vec::new();
    assert!(matches!(
        CrossValidation::new(none),
        Err(BilevelError::InvalidParameter { name: "folds", .. })
    ));
    // A weighted Lasso has one hyperparameter per feature: folds with 2 and 3 features differ.
    let x2 = Design::dense(array![[1.0, 0.2], [0.3, 1.0], [0.5, -0.4]]).unwrap();
    let x3 = Design::dense(array![[1.0, 0.2, 0.1], [0.3, 1.0, 0.0], [0.5, -0.4, 0.7]]).unwrap();
    let y = array![1.0, 2.0, 0.1];
    let a = WeightedLasso::new(x2.clone(), y.view()).unwrap();
    let b = WeightedLasso::new(x3.clone(), y.view()).unwrap();
    let (ca, cb) = (
        HeldOutMse::new(x2, y.view()).unwrap(),
        HeldOutMse::new(x3, y.view()).unwrap(),
    );
    let options = Options::default();
    let folds = vec![
        Bilevel::new(&a, &ca, Method::ImplicitForward, options.clone()),
        Bilevel::new(&b, &cb, Method::ImplicitForward, options),
    ];
    assert!(matches!(
        CrossValidation::new(folds),
        Err(BilevelError::ShapeMismatch {
            expected: 2,
            got: 3,
            ..
        })
    ));
    // A fold's error propagates: a non-finite λ is rejected by every fold.
    let (mut lassos, criteria) = diabetes_folds(3);
    let mut cv = cross_validation(&mut lassos, &criteria, Method::ImplicitForward);
    assert!(cv.evaluate(&[f64::NAN], 1e-8).is_err());
    assert!(cv.value(&[1.0, 2.0], 1e-8).is_err());
}

#[test]
fn lbfgs_on_five_fold_cv_matches_a_fine_grid_with_a_third_of_the_solves() {
    let (mut lassos, criteria) = diabetes_folds(5);
    let alpha_max = lassos.iter().map(Lasso::alpha_max).fold(0.0, f64::max);
    let bounds = ((alpha_max / 1e4).ln(), alpha_max.ln());
    let mut cv = cross_validation(&mut lassos, &criteria, Method::ImplicitForward);
    let grid = grid_search(&mut cv, &[bounds], 100, 1e-8).unwrap();
    let lbfgs = Lbfgs {
        line_search: LineSearch {
            max_steps: 33,
            schedule: ToleranceSchedule {
                initial: 1e-5,
                decay: 0.5,
                minimum: 1e-8,
            },
            bounds,
            ..LineSearch::default()
        },
        ..Lbfgs::default()
    };
    let mut cv = cross_validation(&mut lassos, &criteria, Method::ImplicitForward);
    let run = lbfgs.run(&mut cv, &[(alpha_max / 10.0).ln()]).unwrap();
    let (best, grid_best) = (run.best(), grid.best());
    println!(
        "5-fold CV: grid {} evaluations ({} inner iterations), best {:.4} at α = {:.4e}; \
         L-BFGS {} evaluations ({} inner iterations, {:?}), best {:.4} at α = {:.4e}",
        grid.steps.len(),
        grid.steps.last().unwrap().inner_iterations,
        grid_best.value,
        grid_best.log_alpha[0].exp(),
        run.steps.len(),
        run.steps.last().unwrap().inner_iterations,
        run.stop,
        best.value,
        best.log_alpha[0].exp()
    );
    assert!(run.steps.len() * 3 <= grid.steps.len());
    assert!(best.value <= 1.01 * grid_best.value);
}

/// The row of `data` equal to row `r` of `part` (diabetes has no repeated rows).
fn source_row(data: &Dataset, part: &Dataset, r: usize) -> usize {
    let (Design::Dense(x), Design::Dense(p)) = (&data.x, &part.x) else {
        panic!("diabetes is dense")
    };
    (0..x.nrows())
        .find(|&i| x.row(i) == p.row(r) && data.y[i] == part.y[r])
        .expect("every row of a fold is a row of the data")
}

#[test]
fn folds_from_labels_equal_to_kfolds_give_the_same_cv_value() {
    let data = diabetes();
    let drawn = kfold(&data, 5, 3).unwrap();
    let mut labels = vec![usize::MAX; data.y.len()];
    for (fold, (_, val)) in drawn.iter().enumerate() {
        (0..val.y.len()).for_each(|r| labels[source_row(&data, val, r)] = fold);
    }
    assert!(labels.iter().all(|&l| l < 5));
    let given = labelled_folds(&data, &labels).unwrap();
    let (mut drawn_lassos, drawn_criteria) = fold_problems(drawn);
    let (mut given_lassos, given_criteria) = fold_problems(given);
    let l = [lambda(&drawn_lassos)];
    let tol = 1e-12;
    let mut cv = cross_validation(&mut drawn_lassos, &drawn_criteria, Method::ImplicitForward);
    let a = cv.evaluate(&l, tol).unwrap();
    let mut cv = cross_validation(&mut given_lassos, &given_criteria, Method::ImplicitForward);
    let b = cv.evaluate(&l, tol).unwrap();
    assert!(
        (a.value - b.value).abs() <= 1e-9 * a.value,
        "{} vs {}",
        a.value,
        b.value
    );
    assert!(
        (a.grad[0] - b.grad[0]).abs() <= 1e-6 * a.grad[0].abs(),
        "{:?} vs {:?}",
        a.grad,
        b.grad
    );
}
