//! Seed 000's deblurring problem: a piecewise-constant image, blurred by a 3 × 3 kernel, with
//! seeded Gaussian noise, restored by total-variation regularization solved by Chambolle–Pock
//! (the state holds the image and the dual variables, 4 × pixels entries); and its risk
//! estimates: FDMC-SURE with its gradient SUGAR, against the true prediction risk. Shared by the
//! `sugar_tv` example and the tests.
#![allow(dead_code)] // each user reads a subset

use hypergrad::ad::Scalar;
use hypergrad::bilevel::{BilevelError, Criterion, FdmcSure, Method, Options, Perturbation};
use hypergrad::optim::solvers::{ChambollePock, ChambollePockStep, TvNorm, TvProblem};
use hypergrad::optim::tv::{Grid, Kernel};
use hypergrad::optim::Design;
use ndarray::{Array1, Array2, ArrayView1};
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};

/// A blurred, noisy square image of `side × side` pixels with noise level `sigma`.
pub struct Deblurring {
    pub side: usize,
    pub sigma: f64,
    pub norm: TvNorm,
    /// The true image `x₀`.
    pub truth: Vec<f64>,
    /// The observation `y = Kx₀ + ε`.
    pub y: Vec<f64>,
}

pub fn blur() -> Kernel {
    Kernel::new(vec![0.05, 0.1, 0.05, 0.1, 0.4, 0.1, 0.05, 0.1, 0.05], 3, 3).unwrap()
}

impl Deblurring {
    /// Two overlapping squares (heights 1 and 0.5, placed in proportion to `side`), blurred,
    /// plus `N(0, σ²)` noise drawn with `seed`.
    pub fn new(side: usize, sigma: f64, norm: TvNorm, seed: u64) -> Self {
        let at = |f: f64| (f * side as f64).round() as usize;
        let truth: Vec<f64> = (0..side * side)
            .map(|k| {
                let (i, j) = (k / side, k % side);
                let a = (at(0.19)..at(0.56)).contains(&i) && (at(0.12)..at(0.62)).contains(&j);
                let b = (at(0.5)..at(0.87)).contains(&i) && (at(0.44)..at(0.81)).contains(&j);
                f64::from(u8::from(a)) + 0.5 * f64::from(u8::from(b))
            })
            .collect();
        let grid = Grid {
            height: side,
            width: side,
        };
        let mut blurred = vec![0.0; truth.len()];
        blur().apply(grid, &truth, false, &mut blurred);
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let noise = Normal::new(0.0, sigma).unwrap();
        let y = blurred.iter().map(|v| v + noise.sample(&mut rng)).collect();
        Self {
            side,
            sigma,
            norm,
            truth,
            y,
        }
    }

    pub fn grid(&self) -> Grid {
        Grid {
            height: self.side,
            width: self.side,
        }
    }

    /// Chambolle–Pock for `½‖Kx − target‖² + λ TV(x)`.
    pub fn solver(&self, target: &[f64]) -> Result<ChambollePockStep, BilevelError> {
        let problem = TvProblem::new(self.grid(), target.to_vec(), Some(blur()), self.norm)?;
        Ok(ChambollePock::default().map(&problem)?)
    }

    /// The blur as a dense matrix (column j = K eⱼ): the design of the SURE prediction `Kx`.
    pub fn blur_matrix(&self) -> Design {
        let n = self.side * self.side;
        let mut k = Array2::zeros((n, n));
        let (mut e, mut column) = (vec![0.0; n], vec![0.0; n]);
        for j in 0..n {
            e[j] = 1.0;
            blur().apply(self.grid(), &e, false, &mut column);
            e[j] = 0.0;
            k.column_mut(j).assign(&Array1::from(column.clone()));
        }
        Design::dense(k).unwrap()
    }

    /// FDMC-SURE of λ with its gradient SUGAR by `method` (Monte-Carlo direction from `seed`).
    pub fn sure(
        &self,
        method: Method,
        options: Options,
        seed: u64,
    ) -> Result<FdmcSure<ChambollePockStep>, BilevelError> {
        let perturbation = Perturbation::gaussian(self.y.len(), self.sigma, seed)?;
        FdmcSure::new(
            self.blur_matrix(),
            ArrayView1::from(&self.y),
            self.sigma,
            &perturbation,
            |target| self.solver(target.as_slice().expect("contiguous")),
            method,
            options,
        )
    }

    /// The true prediction risk `‖Kx − Kx₀‖²` (what SURE estimates).
    pub fn prediction_risk(&self) -> PredictionRisk {
        let mut target = vec![0.0; self.truth.len()];
        blur().apply(self.grid(), &self.truth, false, &mut target);
        PredictionRisk {
            grid: self.grid(),
            target,
        }
    }
}

/// `‖Kx − Kx₀‖²`, reading the image (the leading pixels of the state).
pub struct PredictionRisk {
    grid: Grid,
    target: Vec<f64>,
}

impl Criterion for PredictionRisk {
    fn dim_x(&self) -> usize {
        self.target.len()
    }
    fn value<S: Scalar>(&self, x: &[S], _theta: &[S]) -> S {
        let mut kx = vec![S::zero(); x.len()];
        blur().apply(self.grid, x, false, &mut kx);
        kx.iter()
            .zip(&self.target)
            .map(|(&a, &b)| (a - S::from_f64(b)) * (a - S::from_f64(b)))
            .sum()
    }
}

/// Tight tolerances: the state step at 1e-12 makes h(λ) known to ~1e-10 relative.
pub fn options() -> Options {
    Options {
        inner_tol: 1e-12,
        jacobian_tol: 1e-10,
        inner_max_iter: 1_000_000,
        jacobian_max_iter: 200_000,
    }
}
