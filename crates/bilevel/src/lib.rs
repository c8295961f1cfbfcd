//! # hypergrad-bilevel
//!
//! Hypergradients of a criterion `h(θ) = C(x*(θ), θ)` through an inner solver `x*(θ)`, by one
//! entry point, [`hypergradient`], with the method as an argument ([`Method`]).
//!
//! ```
//! use hypergrad_bilevel::{hypergradient, HeldOutMse, Method, Options};
//! use hypergrad_optim::{Design, Lasso};
//! use ndarray::array;
//!
//! let x = Design::dense(array![[1.0, 0.2], [0.3, 1.0], [0.5, -0.4], [-0.2, 0.9]]).unwrap();
//! let lasso = Lasso::new(x, array![1.0, 2.0, 0.1, 1.5].view()).unwrap();
//! let val = HeldOutMse::new(
//!     Design::dense(array![[0.9, 0.1], [0.2, 1.1]]).unwrap(),
//!     array![0.8, 2.1].view(),
//! ).unwrap();
//! let h = hypergradient(&lasso, &val, &[0.1_f64.ln()], &Method::ImplicitForward,
//!                       &Options::default()).unwrap();
//! assert_eq!(h.grad.len(), 1);
//! assert!(h.diagnostics.warnings.is_empty());
//! ```

mod criterion;
pub mod curves;
mod diagnostics;
mod error;
mod hypergradient;
mod linalg;
mod linear;
mod method;
mod operator;
mod options;
pub mod outer;
pub mod stochastic;
mod sure;

pub use criterion::{Criterion, HeldOutLogistic, HeldOutMse, HeldOutMultitaskMse};
pub use diagnostics::{Diagnostics, ErrorParts, Hypergradient, TapeUse, WarmStart, Warning};
pub use error::BilevelError;
pub use hypergradient::{hypergradient, hypergradient_warm, value_warm};
pub use linear::{Fallback, FallbackReason};
pub use options::{Checkpoints, FpadMode, LinearSolver, Method, Options};
pub use sure::{FdmcSure, LinearOnSupport, MonteCarloSure, Perturbation, Sure};
