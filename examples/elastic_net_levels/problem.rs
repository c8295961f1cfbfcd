//! Seed 001's elastic net: the held-out error as a function of (log α₁, log α₂), explored by a
//! grid and by gradient descent on the hypergradient (the adaptive step of the talks). Shared
//! by the `elastic_net_levels` example and its test.
#![allow(dead_code)] // each user reads a subset

use crate::data;

use hypergrad::bilevel::outer::{
    grid_search, Bilevel, GradientDescent, ToleranceSchedule, Trajectory,
};
use hypergrad::bilevel::{BilevelError, HeldOutMse, Method, Options};
use hypergrad::optim::{Design, ElasticNet};
use rand::SeedableRng;

/// The sizes of the experiment.
pub struct Setup {
    pub p: usize,
    pub n_train: usize,
    pub n_val: usize,
    pub noise: f64,
    /// Points per axis of the grid.
    pub grid: usize,
    /// Gradient-descent steps at most.
    pub steps: usize,
}

pub const FIGURE: Setup = Setup {
    p: 50,
    n_train: 50,
    n_val: 50,
    noise: 2.0,
    grid: 20,
    steps: 25,
};

/// The model, the held-out criterion and the box `[(lo, hi); 2]` of (log α₁, log α₂) around
/// log α_max: α₁ from α_max/10³ to α_max, α₂ from α_max/10³ to 10·α_max.
pub struct Landscape {
    pub model: ElasticNet,
    pub criterion: HeldOutMse,
    pub bounds: [(f64, f64); 2],
}

/// Strongly correlated features (ρ = 0.8) and a dense block of 12 equal coefficients beside
/// three isolated ones: a problem where both penalties matter.
pub fn landscape(setup: &Setup, seed: u64) -> Result<Landscape, BilevelError> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut indices: Vec<usize> = (10..22).collect();
    indices.extend([2, 30, 44]);
    let mut values = vec![0.8; 12];
    values.extend([3.0, -2.0, 1.5]);
    let beta = data::sparse(setup.p, &indices, &values);
    let mut draw = |rows: usize| {
        let x = data::correlated_design(rows, setup.p, 0.8, &mut rng);
        let y = data::response(&x, &beta, setup.noise, &mut rng);
        (x, y)
    };
    let (x, y) = draw(setup.n_train);
    let (xv, yv) = draw(setup.n_val);
    let model = ElasticNet::new(Design::dense(x)?, y.view())?;
    let top = model.alpha_max().ln();
    let decade = 10f64.ln();
    Ok(Landscape {
        model,
        criterion: HeldOutMse::new(Design::dense(xv)?, yv.view())?,
        bounds: [
            (top - 3.0 * decade, top),
            (top - 3.0 * decade, top + decade),
        ],
    })
}

fn options() -> Options {
    Options {
        inner_tol: 1e-10,
        jacobian_tol: 1e-8,
        ..Options::default()
    }
}

impl Landscape {
    fn objective(&self) -> Bilevel<'_, ElasticNet, HeldOutMse> {
        Bilevel::new(&self.model, &self.criterion, Method::Auto, options())
    }

    /// The held-out error on a `points × points` grid over the box (first coordinate fastest).
    pub fn grid(&self, points: usize) -> Result<Trajectory, BilevelError> {
        grid_search(&mut self.objective(), &self.bounds, points, 1e-10)
    }

    /// Gradient descent with the adaptive step `1/‖∇h‖` from `start`, within the box.
    pub fn descent(&self, start: &[f64], steps: usize) -> Result<Trajectory, BilevelError> {
        let lower = self.bounds[0].0.min(self.bounds[1].0);
        let upper = self.bounds[0].1.max(self.bounds[1].1);
        let optimizer = GradientDescent {
            max_steps: steps,
            value_tol: 1e-7,
            schedule: ToleranceSchedule::constant(1e-10),
            bounds: (lower, upper),
            ..GradientDescent::default()
        };
        optimizer.run(&mut self.objective(), start)
    }

    /// The start of the descent: α₁ = α_max/10^0.5, α₂ = α_max/10^2.5 (a nearly-Lasso corner).
    pub fn start(&self) -> [f64; 2] {
        let decade = 10f64.ln();
        [
            self.bounds[0].1 - 0.5 * decade,
            self.bounds[1].1 - 3.5 * decade,
        ]
    }
}
