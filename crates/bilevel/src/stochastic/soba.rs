//! [`Soba`]: the StOchastic Bilevel Algorithm (Dagréou, Ablin, Vaiter, Moreau, 2022).

use super::driver::{
    run, Estimates, Iterate, Sampling, StochasticParams, StochasticRun, VarianceReduction,
};
use super::finite_sum::FiniteSum;
use super::schedule::StepSize;
use crate::BilevelError;

/// SOBA: the joint updates of `z`, `v` and θ (see [`super`]) along plain minibatch estimates,
/// each unbiased: with inner batch `B` and outer batch `B'`,
///
/// `D_z = ∇_z G_B`,   `D_v = ∇²_zz G_B·v + ∇_z F_{B'}`,   `D_θ = ∇²_θz G_B·v + ∇_θ F_{B'}`.
///
/// Their variance does not vanish at the solution, so the steps must decrease: with
/// `ρₜ ∝ t^(−2/5)` and `γₜ ∝ t^(−3/5)` (the default schedule), `min_{t ≤ T} E‖∇h(θₜ)‖² =
/// O(T^(−2/5))`.
#[derive(Clone, Debug, PartialEq)]
pub struct Soba {
    /// Steps, batches, iterations, recording, box and seed.
    pub params: StochasticParams,
}

impl Default for Soba {
    fn default() -> Self {
        Self {
            params: StochasticParams {
                batch_size: 64,
                inner_step: StepSize::Decreasing {
                    initial: 0.1,
                    exponent: 0.4,
                },
                outer_step: StepSize::Decreasing {
                    initial: 0.01,
                    exponent: 0.6,
                },
                max_iter: 10_000,
                record_every: 100,
                bounds: (-30.0, 30.0),
                seed: 0,
            },
        }
    }
}

impl Soba {
    /// Minimizes `h(θ) = F(z*(θ), θ)`, `z*(θ) = argmin_z G(z, θ)`, from `z = v = 0` and
    /// `theta0`, for the inner sum `inner` (`G`) and the outer sum `outer` (`F`).
    /// `monitor` is called at every snapshot (its time is not counted) and its value recorded.
    ///
    /// Errors: the sums disagree in their dimensions, `theta0` is invalid, a parameter is
    /// invalid, or the iterates become non-finite.
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
        run(inner, outer, theta0, &self.params, &mut Unbiased, monitor)
    }
}

/// The plain estimates, unchanged.
struct Unbiased;

impl VarianceReduction for Unbiased {
    fn initialize<G: FiniteSum + ?Sized, F: FiniteSum + ?Sized>(
        &mut self,
        _: &mut Sampling<'_, G, F>,
        _: &Iterate<'_>,
    ) -> Result<(), BilevelError> {
        Ok(())
    }
    fn reduce(&mut self, _: usize, _: usize, _: &mut Estimates) {}
}
