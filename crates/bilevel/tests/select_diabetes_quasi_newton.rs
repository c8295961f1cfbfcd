//! Hyperparameter selection on the embedded diabetes data with the backtracking line search
//! and projected L-BFGS: on the held-out MSE of a Lasso (implicit-forward hypergradients,
//! warm-started) both reach within 1 % of the best of a fine grid (100 log-spaced α in
//! [α_max/10⁴, α_max]) while solving at most a third as many inner problems (every line-search
//! trial counts as one).

use hypergrad_bilevel::outer::{
    grid_search, Bilevel, Lbfgs, LineSearch, ToleranceSchedule, Trajectory,
};
use hypergrad_bilevel::{HeldOutMse, Method, Options};
use hypergrad_optim::data::{diabetes, standardize, train_validation_split};
use hypergrad_optim::Lasso;
use ndarray::Array1;

/// The Lasso on a standardized 67 / 33 split with centered targets, its held-out MSE and
/// `α_max`.
fn diabetes_lasso() -> (Lasso, HeldOutMse, f64) {
    let (mut train, mut val) = train_validation_split(&diabetes(), 0.33, 0).unwrap();
    standardize(&mut train, &mut val).unwrap();
    let mean = train.y.iter().sum::<f64>() / train.y.len() as f64;
    let center = |y: &[f64]| Array1::from_iter(y.iter().map(|v| v - mean));
    let lasso = Lasso::new(train.x, center(&train.y).view()).unwrap();
    let criterion = HeldOutMse::new(val.x, center(&val.y).view()).unwrap();
    let alpha_max = lasso.alpha_max();
    (lasso, criterion, alpha_max)
}

fn options() -> Options {
    Options {
        jacobian_tol: 1e-8,
        ..Options::default()
    }
}

/// The outer search: at most 33 evaluations (a third of the grid), the box of the grid, inner
/// tolerances tightening from 1e-5 to 1e-8 as in the gradient-descent test.
fn line_search(bounds: (f64, f64)) -> LineSearch {
    LineSearch {
        max_steps: 33,
        schedule: ToleranceSchedule {
            initial: 1e-5,
            decay: 0.5,
            minimum: 1e-8,
        },
        bounds,
        ..LineSearch::default()
    }
}

fn check(name: &str, run: &Trajectory, grid: &Trajectory) {
    let (best, grid_best) = (run.best(), grid.best());
    println!(
        "grid: {} solves, best {:.4} at α = {:.4e}; {name}: {} solves ({:?}), best {:.4} at α = {:.4e}",
        grid.steps.len(),
        grid_best.value,
        grid_best.log_alpha[0].exp(),
        run.steps.len(),
        run.stop,
        best.value,
        best.log_alpha[0].exp()
    );
    assert!(
        run.steps.len() * 3 <= grid.steps.len(),
        "{name}: {} solves",
        run.steps.len()
    );
    assert!(
        best.value <= 1.01 * grid_best.value,
        "{name}: {:.6} (α = {:.4e}) vs grid {:.6}",
        best.value,
        best.log_alpha[0].exp(),
        grid_best.value
    );
}

#[test]
fn line_search_and_lbfgs_match_a_fine_grid_with_a_third_of_the_solves() {
    let (lasso, criterion, alpha_max) = diabetes_lasso();
    let bounds = ((alpha_max / 1e4).ln(), alpha_max.ln());
    let start = [(alpha_max / 10.0).ln()];
    let mut objective = Bilevel::new(&lasso, &criterion, Method::ImplicitForward, options());
    let grid = grid_search(&mut objective, &[bounds], 100, 1e-8).unwrap();

    let mut objective = Bilevel::new(&lasso, &criterion, Method::ImplicitForward, options());
    let run = line_search(bounds).run(&mut objective, &start).unwrap();
    check("line search", &run, &grid);

    let mut objective = Bilevel::new(&lasso, &criterion, Method::ImplicitForward, options());
    let lbfgs = Lbfgs {
        line_search: line_search(bounds),
        ..Lbfgs::default()
    };
    let run = lbfgs.run(&mut objective, &start).unwrap();
    check("L-BFGS", &run, &grid);
}
