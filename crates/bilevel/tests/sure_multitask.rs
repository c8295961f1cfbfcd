//! FDMC-SURE of a multitask model (the prediction XB over all tasks, as for M/EEG source
//! reconstruction): its value is the formula computed from two direct solves, its gradient
//! SUGAR matches central finite differences by every method family, one task is the
//! single-target estimate, and inconsistent shapes are typed errors.

use hypergrad_bilevel::outer::HyperObjective;
use hypergrad_bilevel::{BilevelError, FdmcSure, FpadMode, Method, Options, Perturbation, Warning};
use hypergrad_optim::{Design, FixedPointMap, Lasso, MultiTaskLasso, SolverParams};
use ndarray::{Array1, Array2, ArrayView2};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

const N: usize = 40;
const P: usize = 15;
const TASKS: usize = 4;
const SIGMA: f64 = 0.3;

/// A seeded Gaussian design and `Y = XB* + σE` with three active rows of B*.
fn data(tasks: usize) -> (Array2<f64>, Array2<f64>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let x = Array2::from_shape_fn((N, P), |_| StandardNormal.sample(&mut rng));
    let b = Array2::from_shape_fn((P, tasks), |(j, t)| match j {
        0 => 1.0 + 0.2 * t as f64,
        4 => -0.8,
        9 => 0.5 * (t as f64 - 1.0),
        _ => 0.0,
    });
    let noise = Array2::from_shape_fn((N, tasks), |_| {
        let e: f64 = StandardNormal.sample(&mut rng);
        SIGMA * e
    });
    let y = x.dot(&b) + noise;
    (x, y)
}

fn dense(x: &Array2<f64>) -> Design {
    Design::dense(x.clone()).unwrap()
}

fn options() -> Options {
    Options {
        inner_tol: 1e-14,
        jacobian_tol: 1e-12,
        ..Options::default()
    }
}

fn sure(x: &Array2<f64>, y: &Array2<f64>, method: Method) -> FdmcSure<MultiTaskLasso> {
    let perturbation = Perturbation::gaussian(y.len(), SIGMA, 3).unwrap();
    FdmcSure::multitask(
        dense(x),
        y.view(),
        SIGMA,
        &perturbation,
        |targets: ArrayView2<'_, f64>| {
            Ok::<_, BilevelError>(MultiTaskLasso::new(dense(x), targets)?)
        },
        method,
        options(),
    )
    .unwrap()
}

/// `log(α_max / 5)` on the unperturbed targets.
fn log_alpha(x: &Array2<f64>, y: &Array2<f64>) -> f64 {
    (MultiTaskLasso::new(dense(x), y.view()).unwrap().alpha_max() / 5.0).ln()
}

/// `XB̂(Y)` for the multitask Lasso at `log α`, n × T.
fn prediction(x: &Array2<f64>, y: ArrayView2<'_, f64>, log_alpha: f64) -> Array2<f64> {
    let model = MultiTaskLasso::new(dense(x), y).unwrap();
    let params = SolverParams {
        tol: 1e-14,
        ..SolverParams::default()
    };
    let b = model.solve(&[log_alpha], None, &params).unwrap().x;
    x.dot(&Array2::from_shape_vec((P, y.ncols()), b).unwrap())
}

#[test]
fn value_is_the_formula_over_all_tasks() {
    let (x, y) = data(TASKS);
    let t = log_alpha(&x, &y);
    let mut objective = sure(&x, &y, Method::Auto);
    let value = objective.value(&[t], 1e-14).unwrap().value;
    let perturbation = Perturbation::gaussian(y.len(), SIGMA, 3).unwrap();
    let z = Array2::from_shape_vec((N, TASKS), perturbation.z.clone()).unwrap();
    let shifted = &y + &(&z * perturbation.delta);
    let mu = prediction(&x, y.view(), t);
    let mu_shifted = prediction(&x, shifted.view(), t);
    let s2 = SIGMA * SIGMA;
    let df = ((&mu_shifted - &mu) * &z).sum() / perturbation.delta;
    let expected = (&y - &mu).mapv(|r| r * r).sum() - (N * TASKS) as f64 * s2 + 2.0 * s2 * df;
    // Both sides solve to a relative duality gap of 1e-14: ~1e-12 relative on each term.
    assert!(
        (value - expected).abs() <= 1e-9 * expected.abs(),
        "{value} vs {expected}"
    );
    // The degrees of freedom of the multitask Lasso: between 0 and p·T, about T per active row.
    assert!(df > 0.0 && df < (P * TASKS) as f64, "df = {df}");
}

/// Tolerance: the inner solves stop at a relative gap of 1e-14, so SURE is known to ~1e-12
/// relative and its central difference at δ = 1e-4 to ~1e-8 relative, plus the truncation
/// δ²h'''/6 ≲ 1e-8 (SURE is smooth in log α while the supports of both solves stay fixed,
/// which the test checks); 1e-6 is above both and below a dropped term (> 1e-2 here).
#[test]
fn sugar_matches_finite_differences_by_every_method() {
    let (x, y) = data(TASKS);
    let t = log_alpha(&x, &y);
    let delta = 1e-4;
    for method in [
        Method::Auto,
        Method::ImplicitForward,
        Method::ForwardUnrolled,
        Method::Fpad {
            mode: FpadMode::Reverse,
        },
    ] {
        let mut objective = sure(&x, &y, method);
        let mut value = |t: f64| objective.value(&[t], 1e-14).unwrap().value;
        let fd = (value(t + delta) - value(t - delta)) / (2.0 * delta);
        let eval = objective.evaluate(&[t], 1e-14).unwrap();
        let g = eval.grad[0];
        assert!(
            (g - fd).abs() <= 1e-6 * fd.abs(),
            "{method:?}: SUGAR {g} vs fd {fd}"
        );
        // Unrolling lags the solve's own convergence a little (its derivative converges like
        // kρᵏ): a bias below the tolerance above may be reported, nothing else.
        let small_bias =
            |w: &Warning| matches!(w, Warning::Biased { relative } if *relative < 1e-6);
        assert!(
            eval.warnings.iter().all(small_bias),
            "{method:?}: {:?}",
            eval.warnings
        );
    }
    // The supports of both solves are the same at t ± δ (SURE is smooth there).
    let perturbation = Perturbation::gaussian(y.len(), SIGMA, 3).unwrap();
    let z = Array2::from_shape_vec((N, TASKS), perturbation.z.clone()).unwrap();
    let shifted = &y + &(&z * perturbation.delta);
    for target in [y.view(), shifted.view()] {
        let model = MultiTaskLasso::new(dense(&x), target).unwrap();
        let params = SolverParams {
            tol: 1e-14,
            ..SolverParams::default()
        };
        let supports: Vec<_> = [t - delta, t + delta]
            .iter()
            .map(|&s| {
                let b = model.solve(&[s], None, &params).unwrap().x;
                model.support(&b)
            })
            .collect();
        assert_eq!(supports[0], supports[1]);
    }
}

#[test]
fn one_task_is_the_single_target_estimate() {
    let (x, y) = data(1);
    let t = log_alpha(&x, &y);
    let perturbation = Perturbation::gaussian(N, SIGMA, 3).unwrap();
    let column = y.column(0).to_owned();
    let mut single = FdmcSure::new(
        dense(&x),
        column.view(),
        SIGMA,
        &perturbation,
        |target| Ok::<_, BilevelError>(Lasso::new(dense(&x), target)?),
        Method::Auto,
        options(),
    )
    .unwrap();
    let mut multi = sure(&x, &y, Method::Auto);
    let a = single.evaluate(&[t], 1e-14).unwrap();
    let b = multi.evaluate(&[t], 1e-14).unwrap();
    // The multitask Lasso with one task is the Lasso: both solved to a gap of 1e-14.
    assert!((a.value - b.value).abs() <= 1e-9 * a.value.abs());
    assert!((a.grad[0] - b.grad[0]).abs() <= 1e-7 * a.grad[0].abs());
}

#[test]
fn inconsistent_shapes_are_typed_errors() {
    let (x, y) = data(TASKS);
    let short = Perturbation::gaussian(N, SIGMA, 3).unwrap();
    let err = FdmcSure::multitask(
        dense(&x),
        y.view(),
        SIGMA,
        &short,
        |targets: ArrayView2<'_, f64>| {
            Ok::<_, BilevelError>(MultiTaskLasso::new(dense(&x), targets)?)
        },
        Method::Auto,
        options(),
    )
    .err()
    .unwrap();
    assert!(matches!(err, BilevelError::ShapeMismatch { .. }), "{err:?}");
    // A single-target model cannot hold the p·T coefficients.
    let full = Perturbation::gaussian(y.len(), SIGMA, 3).unwrap();
    let err = FdmcSure::multitask(
        dense(&x),
        y.view(),
        SIGMA,
        &full,
        |targets: ArrayView2<'_, f64>| {
            let first: Array1<f64> = targets.column(0).to_owned();
            Ok::<_, BilevelError>(Lasso::new(dense(&x), first.view())?)
        },
        Method::Auto,
        options(),
    )
    .err()
    .unwrap();
    assert!(matches!(err, BilevelError::ShapeMismatch { .. }), "{err:?}");
}
