//! Solvers. Each exposes a fast `f64` path beside its generic update.

mod anderson;
mod coordinate_descent;
mod coordinate_descent_sweeps;
mod working_set;

pub use coordinate_descent::{CoordinateDescent, CoordinateDescentModel};
pub(crate) use coordinate_descent_sweeps::{
    sweep_group, sweep_l1l2, sweep_logistic_l1, sweep_multitask,
};
pub use working_set::{WorkingSetCd, WorkingSetModel};
mod gradient_descent;
mod line_search;
pub(crate) mod progress;
pub use gradient_descent::{GradientDescent, GradientStep, StepRule};
pub use line_search::Armijo;
mod fista;
mod ista;
pub use fista::{Fista, FistaStep};
pub use ista::{Ista, ProximalGradientStep};
mod conjugate_gradient;
pub use conjugate_gradient::{cg, CgReport};
mod newton;
pub use newton::{Newton, NewtonStep, NewtonSystem};
mod lbfgs;
pub use lbfgs::Lbfgs;
mod momentum;
pub use momentum::{Momentum, MomentumKind, MomentumStep};
mod chambolle_pock;
pub use chambolle_pock::{ChambollePock, ChambollePockStep, TvNorm, TvProblem};
mod prox_newton;
pub use prox_newton::ProxNewton;
