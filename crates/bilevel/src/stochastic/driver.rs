//! The loop shared by SOBA and SABA: joint updates of the inner variable `z`, the
//! linear-system variable `v` and the outer variable θ along minibatch estimates of
//!
//! `D_z = ∇_z G`,   `D_v = ∇²_zz G·v + ∇_z F`,   `D_θ = ∇²_θz G·v + ∇_θ F`,
//!
//! `z ← z − ρₜ D_z`,   `v ← v − ρₜ D_v`,   `θ ← P(θ − γₜ D_θ)`   (`P` the projection on a box),
//!
//! all three directions taken at the current `(z, v, θ)`. At the joint fixed point `z = z*(θ)`,
//! `v = −[∇²_zz G]⁻¹∇_z F` and `D_θ = ∇h(θ)`, the hypergradient of `h(θ) = F(z*(θ), θ)`. The
//! algorithms differ only in how they estimate the five terms ([`VarianceReduction`]).

use super::finite_sum::{dim_z, FiniteSum};
use super::oracle::{FirstOrder, Oracle, SecondOrder};
use super::sampler::Minibatches;
use super::schedule::StepSize;
use crate::BilevelError;
use std::time::{Duration, Instant};

/// The parameters of a stochastic bilevel run.
#[derive(Clone, Debug, PartialEq)]
pub struct StochasticParams {
    /// Samples per minibatch, for the inner and the outer sums.
    pub batch_size: usize,
    /// `ρₜ`, the step of `z` and `v`.
    pub inner_step: StepSize,
    /// `γₜ`, the step of θ.
    pub outer_step: StepSize,
    /// Iterations (each draws one inner and one outer minibatch).
    pub max_iter: usize,
    /// A snapshot (and a call of the monitor) every `record_every` iterations, and at the end.
    pub record_every: usize,
    /// Box on every entry of θ (lower, upper).
    pub bounds: (f64, f64),
    /// Seed of the minibatch partitions and draws.
    pub seed: u64,
}

impl StochasticParams {
    fn validate(&self) -> Result<(), BilevelError> {
        self.inner_step.validate("inner_step")?;
        self.outer_step.validate("outer_step")?;
        for (name, value) in [
            ("batch_size", self.batch_size),
            ("record_every", self.record_every),
        ] {
            if value == 0 {
                return Err(BilevelError::InvalidParameter {
                    name,
                    value: 0.0,
                    reason: "must be at least 1",
                });
            }
        }
        if self.bounds.0.partial_cmp(&self.bounds.1) != Some(std::cmp::Ordering::Less) {
            return Err(BilevelError::InvalidParameter {
                name: "bounds",
                value: self.bounds.0,
                reason: "lower bound must be below the upper bound",
            });
        }
        Ok(())
    }
}

/// The joint iterate, as the monitor sees it.
#[derive(Clone, Copy, Debug)]
pub struct Iterate<'a> {
    /// The inner variable.
    pub z: &'a [f64],
    /// The linear-system variable, `≈ −[∇²_zz G]⁻¹∇_z F`.
    pub v: &'a [f64],
    /// The outer variable (log-hyperparameters).
    pub theta: &'a [f64],
}

/// One recorded point of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// Iterations done.
    pub iteration: usize,
    /// Samples evaluated so far by the oracles (inner and outer).
    pub samples: usize,
    /// Seconds spent by the solver so far (the monitor's time excluded).
    pub seconds: f64,
    /// What the monitor returned (for example `h(θ)` by a full-batch inner solve).
    pub criterion: f64,
    /// θ at that point.
    pub theta: Vec<f64>,
}

/// The result of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct StochasticRun {
    /// The final outer variable.
    pub theta: Vec<f64>,
    /// The final inner variable.
    pub z: Vec<f64>,
    /// The final linear-system variable.
    pub v: Vec<f64>,
    /// Iterations done.
    pub iterations: usize,
    /// Samples evaluated by the oracles.
    pub samples: usize,
    /// Seconds spent by the solver (the monitor's time excluded).
    pub seconds: f64,
    /// The snapshots, the first at iteration 0 and the last at the end.
    pub trajectory: Vec<Snapshot>,
}

/// The five estimates at the current iterate for one inner and one outer batch, each scaled by
/// its batch weight (so unbiased for the full sums): `inner` holds `∇_z G`, `∇²_zz G·v`,
/// `∇²_θz G·v`; `outer` holds `∇_z F` and `∇_θ F` (its value is unused).
#[derive(Clone, Debug, Default)]
pub(super) struct Estimates {
    pub inner: SecondOrder,
    pub outer: FirstOrder,
}

/// The oracles of both sums with their minibatch partitions.
pub(super) struct Sampling<'a, G: ?Sized, F: ?Sized> {
    pub inner: Oracle<'a, G>,
    pub outer: Oracle<'a, F>,
    pub inner_batches: Minibatches,
    pub outer_batches: Minibatches,
}

impl<G: FiniteSum + ?Sized, F: FiniteSum + ?Sized> Sampling<'_, G, F> {
    /// The weighted inner estimates of batch `b` at `it` into `out`.
    pub fn inner_estimate(
        &mut self,
        b: usize,
        it: &Iterate<'_>,
        out: &mut SecondOrder,
    ) -> Result<(), BilevelError> {
        let batch = self.inner_batches.batch(b);
        self.inner.second_order(batch, it.z, it.theta, it.v, out)?;
        let w = self.inner_batches.weight(b);
        for x in out
            .grad_z
            .iter_mut()
            .chain(&mut out.hvp)
            .chain(&mut out.cross)
        {
            *x *= w;
        }
        Ok(())
    }

    /// The weighted outer estimates of batch `j` at `it` into `out`.
    pub fn outer_estimate(
        &mut self,
        j: usize,
        it: &Iterate<'_>,
        out: &mut FirstOrder,
    ) -> Result<(), BilevelError> {
        let batch = self.outer_batches.batch(j);
        self.outer.first_order(batch, it.z, it.theta, out)?;
        let w = self.outer_batches.weight(j);
        for x in out.grad_z.iter_mut().chain(&mut out.grad_theta) {
            *x *= w;
        }
        Ok(())
    }
}

/// How an algorithm turns the plain minibatch estimates into its directions.
pub(super) trait VarianceReduction {
    /// Called once before the first iteration, at the initial iterate.
    fn initialize<G: FiniteSum + ?Sized, F: FiniteSum + ?Sized>(
        &mut self,
        sampling: &mut Sampling<'_, G, F>,
        it: &Iterate<'_>,
    ) -> Result<(), BilevelError>;
    /// Replaces the estimates of inner batch `b` and outer batch `j` by the algorithm's.
    fn reduce(&mut self, b: usize, j: usize, estimates: &mut Estimates);
}

/// Runs the joint updates from `z = v = 0` and `theta0` (projected on the box).
///
/// Errors: the two sums disagree in `dim z` or `dim θ`, `theta0` has the wrong length or is not
/// finite, invalid parameters, or the iterates become non-finite (the steps are too large).
pub(super) fn run<G, F, R, M>(
    inner: &G,
    outer: &F,
    theta0: &[f64],
    params: &StochasticParams,
    reduction: &mut R,
    mut monitor: M,
) -> Result<StochasticRun, BilevelError>
where
    G: FiniteSum + ?Sized,
    F: FiniteSum + ?Sized,
    R: VarianceReduction,
    M: FnMut(&Iterate<'_>) -> f64,
{
    params.validate()?;
    check_problems(inner, outer, theta0)?;
    let (lo, hi) = params.bounds;
    let mut theta: Vec<f64> = theta0.iter().map(|t| t.clamp(lo, hi)).collect();
    let p = dim_z(inner);
    let (mut z, mut v) = (vec![0.0; p], vec![0.0; p]);
    let mut sampling = Sampling {
        inner: Oracle::new(inner),
        outer: Oracle::new(outer),
        inner_batches: Minibatches::new(inner.n_samples(), params.batch_size, params.seed)?,
        outer_batches: Minibatches::new(
            outer.n_samples(),
            params.batch_size,
            params.seed.wrapping_add(1),
        )?,
    };
    let mut clock = Clock::start();
    let mut trajectory = Vec::new();
    let mut record = |t: usize, samples: usize, it: &Iterate<'_>, clock: &mut Clock| {
        let seconds = clock.pause();
        let criterion = monitor(it);
        clock.resume();
        trajectory.push(Snapshot {
            iteration: t,
            samples,
            seconds,
            criterion,
            theta: it.theta.to_vec(),
        });
    };
    reduction.initialize(
        &mut sampling,
        &Iterate {
            z: &z,
            v: &v,
            theta: &theta,
        },
    )?;
    let samples = |s: &Sampling<'_, G, F>| s.inner.samples() + s.outer.samples();
    record(
        0,
        samples(&sampling),
        &Iterate {
            z: &z,
            v: &v,
            theta: &theta,
        },
        &mut clock,
    );
    let mut estimates = Estimates::default();
    for t in 0..params.max_iter {
        let (b, j) = (sampling.inner_batches.draw(), sampling.outer_batches.draw());
        let it = Iterate {
            z: &z,
            v: &v,
            theta: &theta,
        };
        sampling.inner_estimate(b, &it, &mut estimates.inner)?;
        sampling.outer_estimate(j, &it, &mut estimates.outer)?;
        reduction.reduce(b, j, &mut estimates);
        let (rho, gamma) = (params.inner_step.at(t), params.outer_step.at(t));
        let (inner_est, outer_est) = (&estimates.inner, &estimates.outer);
        for (zi, g) in z.iter_mut().zip(&inner_est.grad_z) {
            *zi -= rho * g;
        }
        for ((vi, hv), gf) in v.iter_mut().zip(&inner_est.hvp).zip(&outer_est.grad_z) {
            *vi -= rho * (hv + gf);
        }
        for ((ti, cross), gf) in theta
            .iter_mut()
            .zip(&inner_est.cross)
            .zip(&outer_est.grad_theta)
        {
            *ti = (*ti - gamma * (cross + gf)).clamp(lo, hi);
        }
        if z.iter().chain(&v).chain(&theta).any(|x| !x.is_finite()) {
            return Err(BilevelError::NonFinite {
                what: "the stochastic iterates (diverged: lower the steps)",
            });
        }
        let done = t + 1;
        if done % params.record_every == 0 || done == params.max_iter {
            record(
                done,
                samples(&sampling),
                &Iterate {
                    z: &z,
                    v: &v,
                    theta: &theta,
                },
                &mut clock,
            );
        }
    }
    let seconds = clock.pause();
    Ok(StochasticRun {
        iterations: params.max_iter,
        samples: samples(&sampling),
        seconds,
        trajectory,
        theta,
        z,
        v,
    })
}

fn check_problems<G: FiniteSum + ?Sized, F: FiniteSum + ?Sized>(
    inner: &G,
    outer: &F,
    theta0: &[f64],
) -> Result<(), BilevelError> {
    for (what, expected, got) in [
        ("outer z (the inner sum's)", dim_z(inner), dim_z(outer)),
        (
            "outer θ (the inner sum's)",
            inner.dim_theta(),
            outer.dim_theta(),
        ),
        ("theta0", inner.dim_theta(), theta0.len()),
    ] {
        if expected != got {
            return Err(BilevelError::ShapeMismatch {
                what,
                expected,
                got,
            });
        }
    }
    if let Some(&bad) = theta0.iter().find(|t| !t.is_finite()) {
        return Err(BilevelError::InvalidParameter {
            name: "theta0",
            value: bad,
            reason: "log-hyperparameters must be finite",
        });
    }
    Ok(())
}

/// A stopwatch that can be paused (while the monitor runs).
struct Clock {
    spent: Duration,
    since: Option<Instant>,
}

impl Clock {
    fn start() -> Self {
        Self {
            spent: Duration::ZERO,
            since: Some(Instant::now()),
        }
    }
    /// Stops counting; returns the seconds counted so far.
    fn pause(&mut self) -> f64 {
        if let Some(since) = self.since.take() {
            self.spent += since.elapsed();
        }
        self.spent.as_secs_f64()
    }
    fn resume(&mut self) {
        self.since = Some(Instant::now());
    }
}
