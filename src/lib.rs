//! # hypergrad
//!
//! Automatic differentiation with optimization layers, as one facade over the workspace crates:
//!
//! - [`ad`]: forward mode (dual numbers), reverse mode (tape) and conservative-Jacobian
//!   primitives for non-smooth maps;
//! - [`optim`]: differentiable iterative solvers and the models they solve;
//! - [`bilevel`]: hypergradients of a criterion through a solver.
//!
//! User code is written once, generic over [`ad::Scalar`], and runs on `f64`, dual numbers and
//! tape variables alike.

pub use hypergrad_ad as ad;
pub use hypergrad_bilevel as bilevel;
pub use hypergrad_optim as optim;

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
