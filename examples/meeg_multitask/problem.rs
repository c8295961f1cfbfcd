//! Seed 001's M/EEG inverse problem, simulated: a smooth leadfield (neighbouring sources have
//! nearly collinear columns), a few active sources with time courses, the time samples as the
//! tasks of a multitask Lasso, and λ selected by FDMC-SURE (whose gradient, SUGAR, runs through
//! the prediction GB over every time sample). Shared by the example and its test.
#![allow(dead_code)] // each user reads a subset

use hypergrad::bilevel::outer::{HyperObjective, Lbfgs, LineSearch, Trajectory};
use hypergrad::bilevel::{BilevelError, FdmcSure, Method, Options, Perturbation};
use hypergrad::optim::{Design, FixedPointMap, MultiTaskLasso, SolverParams};
use ndarray::{Array2, ArrayView2};
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

/// The sizes of the simulation.
pub struct Setup {
    pub sensors: usize,
    pub sources: usize,
    pub times: usize,
    pub sigma: f64,
}

pub const FIGURE: Setup = Setup {
    sensors: 60,
    sources: 240,
    times: 20,
    sigma: 0.4,
};

/// The leadfield, the true sources and the measurements.
pub struct Recording {
    pub gain: Array2<f64>,
    /// Sources × times, non-zero on `active` rows.
    pub sources: Array2<f64>,
    pub active: Vec<usize>,
    pub measurements: Array2<f64>,
    pub sigma: f64,
}

/// Sensors and sources on a circle; the gain of source j at sensor i is a Gaussian bump of the
/// angle between them plus 10 % seeded noise (columns scaled to unit norm), so neighbouring
/// sources are strongly correlated. Three sources are active with damped oscillations.
pub fn recording(setup: &Setup, seed: u64) -> Recording {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let (n, p, t) = (setup.sensors, setup.sources, setup.times);
    let angle = |k: usize, of: usize| std::f64::consts::TAU * k as f64 / of as f64;
    let mut gain = Array2::from_shape_fn((n, p), |(i, j)| {
        let d = (angle(i, n) - angle(j, p)).sin().abs();
        (-d * d / 0.08).exp() + 0.1 * rng.sample::<f64, _>(StandardNormal)
    });
    for mut column in gain.columns_mut() {
        let norm = column.dot(&column).sqrt();
        column.mapv_inplace(|v| v / norm);
    }
    let active = vec![p / 8, p / 2 + 3, 3 * p / 4];
    let mut sources = Array2::zeros((p, t));
    for (k, &j) in active.iter().enumerate() {
        for s in 0..t {
            let time = s as f64 / t as f64;
            let phase = 1.5 * k as f64;
            sources[[j, s]] = 3.0 * (-2.0 * time).exp() * (8.0 * time + phase).sin();
        }
    }
    let noise = Array2::from_shape_fn((n, t), |_| {
        setup.sigma * rng.sample::<f64, _>(StandardNormal)
    });
    let measurements = gain.dot(&sources) + noise;
    Recording {
        gain,
        sources,
        active,
        measurements,
        sigma: setup.sigma,
    }
}

pub fn options() -> Options {
    Options {
        inner_tol: 1e-10,
        jacobian_tol: 1e-8,
        ..Options::default()
    }
}

impl Recording {
    fn design(&self) -> Design {
        Design::dense(self.gain.clone()).expect("finite gain")
    }

    pub fn model(&self) -> Result<MultiTaskLasso, BilevelError> {
        Ok(MultiTaskLasso::new(
            self.design(),
            self.measurements.view(),
        )?)
    }

    /// FDMC-SURE of log λ with its gradient SUGAR (Monte-Carlo direction from `seed`).
    pub fn sure(&self, seed: u64) -> Result<FdmcSure<MultiTaskLasso>, BilevelError> {
        let perturbation = Perturbation::gaussian(self.measurements.len(), self.sigma, seed)?;
        FdmcSure::multitask(
            self.design(),
            self.measurements.view(),
            self.sigma,
            &perturbation,
            |y: ArrayView2<'_, f64>| Ok::<_, BilevelError>(MultiTaskLasso::new(self.design(), y)?),
            Method::Auto,
            options(),
        )
    }

    /// The sources estimated at log λ (sources × times), solved to a gap of 1e-12.
    pub fn estimate(
        &self,
        model: &MultiTaskLasso,
        log_lambda: f64,
    ) -> Result<Array2<f64>, BilevelError> {
        let params = SolverParams {
            tol: 1e-12,
            ..SolverParams::default()
        };
        let b = model.solve(&[log_lambda], None, &params)?.x;
        Ok(Array2::from_shape_vec(self.sources.raw_dim(), b).expect("p·T coefficients"))
    }

    /// The prediction risk `‖GB̂ − GB*‖_F²` that SURE estimates.
    pub fn risk(&self, estimate: &Array2<f64>) -> f64 {
        (self.gain.dot(estimate) - self.gain.dot(&self.sources))
            .mapv(|v| v * v)
            .sum()
    }
}

/// The active rows (sources) of an estimate.
pub fn found(estimate: &Array2<f64>) -> Vec<usize> {
    let rows = estimate.rows().into_iter().enumerate();
    rows.filter(|(_, r)| r.iter().any(|v| *v != 0.0))
        .map(|(j, _)| j)
        .collect()
}

/// Whether every true source has a found source within `radius` positions.
pub fn recovered(active: &[usize], found: &[usize], radius: usize) -> bool {
    active
        .iter()
        .all(|&a| found.iter().any(|&f| a.abs_diff(f) <= radius))
}

/// L-BFGS on FDMC-SURE from λ_max/10, within [λ_max·1e-3, λ_max].
pub fn select(
    sure: &mut impl HyperObjective,
    log_lambda_max: f64,
) -> Result<Trajectory, BilevelError> {
    let optimizer = Lbfgs {
        line_search: LineSearch {
            max_steps: 30,
            bounds: (log_lambda_max - 3.0 * 10f64.ln(), log_lambda_max),
            ..LineSearch::default()
        },
        ..Lbfgs::default()
    };
    optimizer.run(sure, &[log_lambda_max - 10f64.ln()])
}
