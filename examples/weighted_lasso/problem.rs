//! Seed 001's weighted Lasso: one penalty per feature, `1/(2n)‖y − Xβ‖² + Σ_j e^{λ_j}|β_j|`,
//! its p hyperparameters fitted by L-BFGS on the hypergradient of the held-out error, against
//! the Lasso whose single α is chosen on the same held-out set (grid search, then refined by
//! its hypergradient); both judged on a separate test set. Shared by the example and its test.
#![allow(dead_code)] // each user reads a subset

use crate::data;

use hypergrad::bilevel::outer::{
    grid_search, Bilevel, CrossValidation, Lbfgs, LineSearch, Trajectory,
};
use hypergrad::bilevel::{BilevelError, HeldOutMse, Method, Options};
use hypergrad::optim::data::{kfold, Dataset};
use hypergrad::optim::{Design, FixedPointMap, Lasso, SolverParams, WeightedLasso};
use ndarray::{concatenate, Array1, Array2, Axis};
use rand::SeedableRng;
use std::error::Error;

/// Train, validation and test sets drawn from one sparse model.
pub struct Split {
    pub beta: Array1<f64>,
    pub train: (Array2<f64>, Array1<f64>),
    pub val: (Array2<f64>, Array1<f64>),
    pub test: (Array2<f64>, Array1<f64>),
}

/// The sizes of the experiment.
pub struct Setup {
    pub p: usize,
    pub n_train: usize,
    pub n_val: usize,
    pub n_test: usize,
    pub noise: f64,
    /// L-BFGS evaluations for the weighted Lasso.
    pub evaluations: usize,
}

pub const FIGURE: Setup = Setup {
    p: 60,
    n_train: 80,
    n_val: 80,
    n_test: 2000,
    noise: 1.5,
    evaluations: 60,
};

/// Correlated features (ρ = 0.5), 6 non-zeros of magnitudes 1 to 4.
pub fn split(setup: &Setup, seed: u64) -> Split {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let indices = [0, 9, 21, 30, 42, 55];
    let values = [4.0, -3.0, 2.5, -2.0, 1.5, 1.0];
    let beta = data::sparse(setup.p, &indices, &values);
    let mut draw = |rows: usize| {
        let x = data::correlated_design(rows, setup.p, 0.5, &mut rng);
        let y = data::response(&x, &beta, setup.noise, &mut rng);
        (x, y)
    };
    Split {
        train: draw(setup.n_train),
        val: draw(setup.n_val),
        test: draw(setup.n_test),
        beta,
    }
}

/// A model's selection: its trajectory, coefficients and errors.
pub struct Selected {
    pub trajectory: Trajectory,
    pub log_alpha: Vec<f64>,
    pub beta: Vec<f64>,
    pub validation: f64,
    pub test: f64,
}

pub fn options() -> Options {
    Options {
        inner_tol: 1e-10,
        jacobian_tol: 1e-8,
        ..Options::default()
    }
}

/// The solution at `log_alpha`, solved tightly (1e-12 relative duality gap).
pub fn solve<P: FixedPointMap>(model: &P, log_alpha: &[f64]) -> Result<Vec<f64>, BilevelError> {
    let params = SolverParams {
        tol: 1e-12,
        ..SolverParams::default()
    };
    Ok(model.solve(log_alpha, None, &params)?.x)
}

fn selected<P: FixedPointMap>(
    model: &P,
    split: &Split,
    trajectory: Trajectory,
) -> Result<Selected, BilevelError> {
    let log_alpha = trajectory.best().log_alpha.clone();
    let beta = solve(model, &log_alpha)?;
    Ok(Selected {
        validation: data::mse(&split.val.0, &split.val.1, &beta),
        test: data::mse(&split.test.0, &split.test.1, &beta),
        trajectory,
        log_alpha,
        beta,
    })
}

/// The Lasso: 30 log-spaced α from α_max to α_max·1e-3 on the held-out error, the best refined
/// by L-BFGS on its hypergradient.
pub fn lasso(split: &Split) -> Result<Selected, BilevelError> {
    let model = Lasso::new(Design::dense(split.train.0.clone())?, split.train.1.view())?;
    let criterion = HeldOutMse::new(Design::dense(split.val.0.clone())?, split.val.1.view())?;
    let mut objective = Bilevel::new(&model, &criterion, Method::Auto, options());
    let top = model.alpha_max().ln();
    let grid = grid_search(&mut objective, &[(top - 3.0 * 10f64.ln(), top)], 30, 1e-10)?;
    let refined = Lbfgs::default().run(&mut objective, &grid.best().log_alpha)?;
    let best = if refined.best().value < grid.best().value {
        refined
    } else {
        grid
    };
    selected(&model, split, best)
}

/// The training and validation rows together, as one data set for cross-validation.
fn pooled(split: &Split) -> Result<(Array2<f64>, Array1<f64>), Box<dyn Error>> {
    let x = concatenate(Axis(0), &[split.train.0.view(), split.val.0.view()])?;
    let y = concatenate(Axis(0), &[split.train.1.view(), split.val.1.view()])?;
    Ok((x, y))
}

/// A model selected by cross-validation and refitted: its `log α`, coefficients and test MSE.
pub struct Refit {
    pub log_alpha: Vec<f64>,
    pub beta: Vec<f64>,
    pub test: f64,
}

/// Selection by 5-fold cross-validation on the pooled training and validation rows (the
/// protocol of scikit-learn's `LassoCV`), then a refit on all of them: `build` makes the model
/// of one training set, `search` runs the outer optimizer on the CV objective.
fn cross_validated<P, B, R>(split: &Split, build: B, search: R) -> Result<Refit, Box<dyn Error>>
where
    P: FixedPointMap + Sync,
    B: Fn(Design, Array1<f64>) -> Result<P, BilevelError>,
    R: FnOnce(&mut CrossValidation<'_, P, HeldOutMse>, &P) -> Result<Trajectory, BilevelError>,
{
    let (x, y) = pooled(split)?;
    let all = Dataset::new(Design::dense(x.clone())?, y.to_vec())?;
    let problems = kfold(&all, 5, 0)?
        .into_iter()
        .map(|(train, val)| {
            let model = build(train.x, Array1::from(train.y))?;
            let criterion = HeldOutMse::new(val.x, Array1::from(val.y).view())?;
            Ok((model, criterion))
        })
        .collect::<Result<Vec<_>, BilevelError>>()?;
    let bilevels = problems
        .iter()
        .map(|(m, c)| Bilevel::new(m, c, Method::Auto, options()))
        .collect();
    let mut cv = CrossValidation::new(bilevels)?;
    let model = build(Design::dense(x)?, y)?;
    let log_alpha = search(&mut cv, &model)?.best().log_alpha.clone();
    let beta = solve(&model, &log_alpha)?;
    let test = data::mse(&split.test.0, &split.test.1, &beta);
    Ok(Refit {
        log_alpha,
        beta,
        test,
    })
}

/// scikit-learn's `LassoCV`: 30 log-spaced α from α_max to α_max·1e-3 on the 5-fold CV error,
/// the best refined by L-BFGS on the CV hypergradient, refit on training + validation rows.
pub fn lasso_cv(split: &Split) -> Result<Refit, Box<dyn Error>> {
    let build = |x: Design, y: Array1<f64>| Lasso::new(x, y.view()).map_err(Into::into);
    cross_validated(split, build, |cv, model| {
        let top = model.alpha_max().ln();
        let grid = grid_search(cv, &[(top - 3.0 * 10f64.ln(), top)], 30, 1e-10)?;
        let refined = Lbfgs::default().run(cv, &grid.best().log_alpha)?;
        Ok(if refined.best().value < grid.best().value {
            refined
        } else {
            grid
        })
    })
}

/// The weighted Lasso under the same protocol: L-BFGS on its p penalties on the 5-fold CV
/// error, from the Lasso CV's α, refit on training + validation rows.
pub fn weighted_lasso_cv(
    split: &Split,
    start: f64,
    evaluations: usize,
) -> Result<Refit, Box<dyn Error>> {
    let build = |x: Design, y: Array1<f64>| WeightedLasso::new(x, y.view()).map_err(Into::into);
    cross_validated(split, build, |cv, model| {
        lbfgs(start, evaluations).run(cv, &vec![start; model.dim_theta()])
    })
}

/// L-BFGS for the weighted Lasso's penalties, in a box around the start.
fn lbfgs(start: f64, evaluations: usize) -> Lbfgs {
    Lbfgs {
        line_search: LineSearch {
            max_steps: evaluations,
            bounds: (start - 12.0, start + 5.0),
            ..LineSearch::default()
        },
        ..Lbfgs::default()
    }
}

/// The weighted Lasso: L-BFGS on the p penalties from the Lasso's α (sparse-ho's start), the
/// hypergradient by `Method::Auto` (the adjoint form, one system for all p).
pub fn weighted_lasso(
    split: &Split,
    start: f64,
    evaluations: usize,
) -> Result<Selected, BilevelError> {
    let model = WeightedLasso::new(Design::dense(split.train.0.clone())?, split.train.1.view())?;
    let criterion = HeldOutMse::new(Design::dense(split.val.0.clone())?, split.val.1.view())?;
    let mut objective = Bilevel::new(&model, &criterion, Method::Auto, options());
    let trajectory =
        lbfgs(start, evaluations).run(&mut objective, &vec![start; model.dim_theta()])?;
    selected(&model, split, trajectory)
}
