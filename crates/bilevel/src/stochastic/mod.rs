//! Stochastic bilevel optimization (Dagréou, Ablin, Vaiter, Moreau, 2022; seed 003): minimize
//! `h(θ) = F(z*(θ), θ)`, `z*(θ) = argmin_z G(z, θ)`, where both levels are finite sums over
//! samples, `G = 1/n Σᵢ Gᵢ` and `F = 1/m Σⱼ Fⱼ`, without ever solving the inner problem or the
//! linear system of the implicit gradient to the end: [`Soba`] and [`Saba`] move the inner
//! variable `z`, the linear-system variable `v` and θ together along minibatch estimates (see
//! the driver's update rules in [`Soba`]'s documentation).
//!
//! | piece | what |
//! | --- | --- |
//! | [`FiniteSum`] | a sum given by one per-sample loss on linear predictors, written once, generic over the scalar |
//! | [`Oracle`] | minibatch `∇_z`, `∇_θ`, `∇²_zz·v`, `∇²_θz·v` by reverse and forward-over-reverse AD of that loss |
//! | [`Minibatches`] | a seeded partition into minibatches and uniform draws |
//! | [`StepSize`] | constant or decreasing step schedules |
//! | [`Soba`], [`Saba`] | the two algorithms (plain estimates; SAGA variance reduction of all five) |
//! | [`FullBatch`] | the same sum on all samples as an inner [`FixedPointMap`](hypergrad_optim::FixedPointMap) and an outer [`Criterion`](crate::Criterion): the full-batch baseline |
//! | [`LogisticRegression`], [`SoftmaxRegression`] | the problems of benchopt's `benchmark_bilevel`: per-feature ridge logistic regression, data hyper-cleaning |

mod driver;
mod finite_sum;
mod full_batch;
mod logistic;
mod newton_cg;
mod oracle;
mod saba;
mod sampler;
mod schedule;
mod soba;
mod softmax;

pub use driver::{Iterate, Snapshot, StochasticParams, StochasticRun};
pub use finite_sum::{batch_mean, dim_z, FiniteSum};
pub use full_batch::FullBatch;
pub use logistic::LogisticRegression;
pub use oracle::{FirstOrder, Oracle, SecondOrder};
pub use saba::Saba;
pub use sampler::Minibatches;
pub use schedule::StepSize;
pub use soba::Soba;
pub use softmax::{cross_entropy, SoftmaxRegression};
