//! # hypergrad-optim
//!
//! Differentiable iterative solvers and the models they solve. Every solver exposes its update
//! as a map `x_{k+1} = T(x_k, θ)` ([`FixedPointMap`]), generic over [`hypergrad_ad::Scalar`],
//! beside a fast `f64` path that must agree with it. Models hold data only: the
//! hyperparameters θ (log scale) are an argument of every solve and every map.

pub mod data;
mod design;
mod error;
mod fixed_point;
pub mod loss;
pub mod models;
mod schedule;
mod solution;
pub mod solvers;

pub use design::Design;
pub use error::OptimError;
pub use fixed_point::{iterate_to_fixed_point, FixedPointMap};
pub use loss::{LeastSquares, Logistic};
pub use models::{
    ElasticNet, GroupLasso, Lasso, MultiTaskLasso, Ridge, SparseLogistic, WeightedLasso,
};
pub use schedule::Schedule;
pub use solution::{History, Solution, SolveReport, SolverParams, StopReason};
pub use solvers::ProxNewton;
pub use solvers::{CoordinateDescent, CoordinateDescentModel};
mod objective;
pub mod regularizer;
pub use objective::{forward_gradient, forward_hvp, Objective, GRADIENT_CHUNK};
pub use regularizer::Regularizer;
mod loss_objective;
pub mod tv;
