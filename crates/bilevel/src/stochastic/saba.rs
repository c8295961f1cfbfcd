//! [`Saba`]: the Stochastic Average Bilevel Algorithm (Dagréou, Ablin, Vaiter, Moreau, 2022).

use super::driver::{
    run, Estimates, Iterate, Sampling, StochasticParams, StochasticRun, VarianceReduction,
};
use super::finite_sum::FiniteSum;
use super::oracle::{FirstOrder, SecondOrder};
use super::schedule::StepSize;
use crate::BilevelError;

/// SABA: SOBA's joint updates with every one of the five estimates variance-reduced as in SAGA.
/// A memory keeps, per minibatch `B`, the last estimate `m[B]` of each term and their mean
/// `m̄`; the estimate used is
///
/// `g_B(now) − m[B] + m̄`,   then `m[B] ← g_B(now)`,
///
/// for `∇_z G`, `∇²_zz G·v`, `∇²_θz G·v` (inner batches) and `∇_z F`, `∇_θ F` (outer batches).
/// It is unbiased and its variance vanishes as the iterates converge, so constant steps
/// converge: `1/T Σₜ E‖∇h(θₜ)‖² = O(1/T)`, the rate of full-batch gradient descent. The memory
/// is filled by one pass over all batches at the start (counted in the run's samples and time)
/// and holds `N_inner·(2·dim z + dim θ) + N_outer·(dim z + dim θ)` numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct Saba {
    /// Steps, batches, iterations, recording, box and seed.
    pub params: StochasticParams,
}

impl Default for Saba {
    fn default() -> Self {
        Self {
            params: StochasticParams {
                batch_size: 64,
                inner_step: StepSize::Constant(0.1),
                outer_step: StepSize::Constant(0.01),
                max_iter: 10_000,
                record_every: 100,
                bounds: (-30.0, 30.0),
                seed: 0,
            },
        }
    }
}

impl Saba {
    /// Minimizes `h(θ) = F(z*(θ), θ)` as [`super::Soba::run`] does, with SAGA estimates.
    ///
    /// Errors: as [`super::Soba::run`].
    pub fn run<G, F>(
        &self,
        inner: &G,
        outer: &F,
        theta0: &[f64],
        monitor: impl FnMut(&Iterate<'_>) -> f64,
    ) -> Result<StochasticRun, BilevelError>
    where
        G: FiniteSum + ?Sized,
        F: FiniteSum + ?Sized,
    {
        run(
            inner,
            outer,
            theta0,
            &self.params,
            &mut Memories::default(),
            monitor,
        )
    }
}

/// One SAGA memory: the last estimate per batch and their mean.
#[derive(Default)]
struct Memory {
    rows: Vec<Vec<f64>>,
    mean: Vec<f64>,
}

impl Memory {
    /// A memory whose rows are `rows` (one per batch).
    fn filled(rows: Vec<Vec<f64>>) -> Self {
        let mut mean = vec![0.0; rows.first().map_or(0, Vec::len)];
        for row in &rows {
            mean.iter_mut().zip(row).for_each(|(m, r)| *m += r);
        }
        let count = rows.len() as f64;
        mean.iter_mut().for_each(|m| *m /= count);
        Self { rows, mean }
    }

    /// `fresh ← fresh − m[b] + m̄`, then `m̄ ← m̄ + (fresh − m[b])/N` and `m[b] ← fresh`.
    fn correct(&mut self, b: usize, fresh: &mut [f64]) {
        let count = self.rows.len() as f64;
        let row = &mut self.rows[b];
        for ((f, old), mean) in fresh.iter_mut().zip(row.iter_mut()).zip(&mut self.mean) {
            let new = *f;
            *f = new - *old + *mean;
            *mean += (new - *old) / count;
            *old = new;
        }
    }
}

/// The five memories.
#[derive(Default)]
struct Memories {
    grad_g: Memory,
    hvp: Memory,
    cross: Memory,
    grad_f: Memory,
    grad_theta_f: Memory,
}

impl VarianceReduction for Memories {
    fn initialize<G: FiniteSum + ?Sized, F: FiniteSum + ?Sized>(
        &mut self,
        sampling: &mut Sampling<'_, G, F>,
        it: &Iterate<'_>,
    ) -> Result<(), BilevelError> {
        let (mut grad_g, mut hvp, mut cross) = (Vec::new(), Vec::new(), Vec::new());
        let mut inner = SecondOrder::default();
        for b in 0..sampling.inner_batches.len() {
            sampling.inner_estimate(b, it, &mut inner)?;
            grad_g.push(inner.grad_z.clone());
            hvp.push(inner.hvp.clone());
            cross.push(inner.cross.clone());
        }
        let (mut grad_f, mut grad_theta_f) = (Vec::new(), Vec::new());
        let mut outer = FirstOrder::default();
        for j in 0..sampling.outer_batches.len() {
            sampling.outer_estimate(j, it, &mut outer)?;
            grad_f.push(outer.grad_z.clone());
            grad_theta_f.push(outer.grad_theta.clone());
        }
        *self = Memories {
            grad_g: Memory::filled(grad_g),
            hvp: Memory::filled(hvp),
            cross: Memory::filled(cross),
            grad_f: Memory::filled(grad_f),
            grad_theta_f: Memory::filled(grad_theta_f),
        };
        Ok(())
    }

    fn reduce(&mut self, b: usize, j: usize, estimates: &mut Estimates) {
        self.grad_g.correct(b, &mut estimates.inner.grad_z);
        self.hvp.correct(b, &mut estimates.inner.hvp);
        self.cross.correct(b, &mut estimates.inner.cross);
        self.grad_f.correct(j, &mut estimates.outer.grad_z);
        self.grad_theta_f
            .correct(j, &mut estimates.outer.grad_theta);
    }
}
