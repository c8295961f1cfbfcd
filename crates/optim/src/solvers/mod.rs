//! Solvers. Each exposes a fast `f64` path beside its generic update.

mod coordinate_descent;
mod coordinate_descent_sweeps;

pub use coordinate_descent::{CoordinateDescent, CoordinateDescentModel};
pub(crate) use coordinate_descent_sweeps::{
    sweep_group, sweep_l1l2, sweep_logistic_l1, sweep_multitask,
};
