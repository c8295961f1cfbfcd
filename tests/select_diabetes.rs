//! Hyperparameter selection on the embedded diabetes data: gradient descent on the held-out MSE
//! of a Lasso (implicit-forward hypergradients, warm-started) reaches within 1 % of the best of
//! a fine grid (100 log-spaced α in [α_max/10⁴, α_max]) while solving at most a third as many
//! inner problems.

use hypergrad::bilevel::outer::{grid_search, Bilevel, GradientDescent, ToleranceSchedule};
use hypergrad::bilevel::{HeldOutMse, Method, Options};
use hypergrad::optim::data::{diabetes, standardize, train_validation_split};
use hypergrad::optim::Lasso;
use ndarray::Array1;

#[test]
fn gradient_descent_matches_a_fine_grid_with_a_third_of_the_solves() {
    let (mut train, mut val) = train_validation_split(&diabetes(), 0.33, 0).unwrap();
    standardize(&mut train, &mut val).unwrap();
    let mean = train.y.iter().sum::<f64>() / train.y.len() as f64;
    let center = |y: &[f64]| Array1::from_iter(y.iter().map(|v| v - mean));
    let (y_train, y_val) = (center(&train.y), center(&val.y));
    let lasso = Lasso::new(train.x, y_train.view()).unwrap();
    let criterion = HeldOutMse::new(val.x, y_val.view()).unwrap();
    let alpha_max = lasso.alpha_max();
    let options = Options {
        jacobian_tol: 1e-8,
        ..Options::default()
    };

    let bounds = [((alpha_max / 1e4).ln(), alpha_max.ln())];
    let mut grid_objective =
        Bilevel::new(&lasso, &criterion, Method::ImplicitForward, options.clone());
    let grid = grid_search(&mut grid_objective, &bounds, 100, 1e-8).unwrap();
    let grid_best = grid.best().value;

    let mut objective = Bilevel::new(&lasso, &criterion, Method::ImplicitForward, options);
    let gd = GradientDescent {
        max_steps: 33,
        schedule: ToleranceSchedule {
            initial: 1e-5,
            decay: 0.5,
            minimum: 1e-8,
        },
        bounds: bounds[0],
        ..GradientDescent::default()
    };
    let run = gd.run(&mut objective, &[(alpha_max / 10.0).ln()]).unwrap();
    let best = run.best();
    println!(
        "grid: {} solves, best {:.4} at α = {:.4e}; gradient descent: {} solves ({:?}), best {:.4} at α = {:.4e}",
        grid.steps.len(),
        grid_best,
        grid.best().log_alpha[0].exp(),
        run.steps.len(),
        run.stop,
        best.value,
        best.log_alpha[0].exp()
    );
    assert!(
        run.steps.len() * 3 <= grid.steps.len(),
        "{} outer steps",
        run.steps.len()
    );
    assert!(
        best.value <= 1.01 * grid_best,
        "gradient descent {:.6} (α = {:.4e}) vs grid {:.6} (α = {:.4e})",
        best.value,
        best.log_alpha[0].exp(),
        grid_best,
        grid.best().log_alpha[0].exp()
    );
}
