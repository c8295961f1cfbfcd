//! The value-only path of the outer objectives (zero-order searches) gives the value of the
//! full evaluation, without a gradient.

use hypergrad_bilevel::outer::{Bilevel, HyperObjective};
use hypergrad_bilevel::{
    value_warm, BilevelError, FdmcSure, HeldOutMse, Method, Options, Perturbation, WarmStart,
};
use hypergrad_optim::data::{diabetes, standardize, train_validation_split};
use hypergrad_optim::Lasso;
use ndarray::Array1;

#[test]
fn value_matches_the_full_evaluation() {
    let (mut train, mut val) = train_validation_split(&diabetes(), 1.0 / 3.0, 0).unwrap();
    standardize(&mut train, &mut val).unwrap();
    let mean = train.y.iter().sum::<f64>() / train.y.len() as f64;
    let centered = |y: &[f64]| Array1::from_iter(y.iter().map(|v| v - mean));
    let (y, yv) = (centered(&train.y), centered(&val.y));
    let mse = HeldOutMse::new(val.x.clone(), yv.view()).unwrap();
    let theta = [0.5_f64.ln()];
    // Same cold start and tolerance: the same inner solution, hence the same value (bit for bit).
    let a = Lasso::new(train.x.clone(), y.view()).unwrap();
    let full = Bilevel::new(&a, &mse, Method::ImplicitForward, Options::default())
        .evaluate(&theta, 1e-12)
        .unwrap();
    let b = Lasso::new(train.x.clone(), y.view()).unwrap();
    let only = Bilevel::new(&b, &mse, Method::ImplicitForward, Options::default())
        .value(&theta, 1e-12)
        .unwrap();
    assert_eq!(only.value, full.value);
    assert!(only.grad.is_empty() && full.grad.len() == 1);
    assert_eq!(only.inner_iterations, full.inner_iterations);
    // The warm start moves: a second call needs no iteration.
    let mut warm = WarmStart::default();
    let options = Options::default();
    value_warm(&b, &mse, &theta, &options, &mut warm).unwrap();
    let (again, solution) = value_warm(&b, &mse, &theta, &options, &mut warm).unwrap();
    assert_eq!(solution.report.iterations, 0);
    assert_eq!(again, full.value);
    // FDMC-SURE: both solves, the same sum.
    let z = Perturbation::gaussian(y.len(), 50.0, 1).unwrap();
    let make =
        |y: ndarray::ArrayView1<'_, f64>| Ok::<_, BilevelError>(Lasso::new(train.x.clone(), y)?);
    let sure = |m| {
        FdmcSure::new(
            train.x.clone(),
            y.view(),
            50.0,
            &z,
            make,
            m,
            Options::default(),
        )
        .unwrap()
    };
    let full = sure(Method::ImplicitForward)
        .evaluate(&theta, 1e-12)
        .unwrap();
    let only = sure(Method::ImplicitForward).value(&theta, 1e-12).unwrap();
    assert_eq!(only.value, full.value);
    assert!(only.grad.is_empty());
}
