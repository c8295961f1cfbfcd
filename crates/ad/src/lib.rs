//! # hypergrad-ad
//!
//! Automatic differentiation for programs written once, generic over [`Scalar`]:
//!
//! | scalar | computes |
//! | --- | --- |
//! | `f64` | values |
//! | [`Dual<T>`] | one directional derivative (JVP) |
//! | `Dual<Dual<T>>` | second directional derivatives |
//! | [`Var<'t, T>`](Var) on a [`Tape<T>`](Tape) | a recorded program; one reverse sweep gives a VJP or a gradient ([`reverse`]) |
//! | `Var<'t, Dual<f64>>` | forward over reverse: Hessian–vector products ([`reverse::hvp`]) |
//!
//! ```
//! use hypergrad_ad::{Dual, Scalar};
//!
//! fn f<S: Scalar>(x: S) -> S {
//!     x * x.sin()
//! }
//! let y = f(Dual::variable(2.0_f64));
//! assert!((y.eps - (2.0_f64.sin() + 2.0 * 2.0_f64.cos())).abs() < 1e-15);
//! ```

pub mod custom;
pub mod elementwise;
pub mod error;
pub mod forward;
mod kernels;
pub mod nonsmooth;
mod op;
pub mod operator;
pub mod reverse;
mod scalar;

pub use custom::{CustomRule, CustomVjp};
pub use elementwise::Elementwise;
pub use error::AdError;
pub use forward::{Dual, DualVec};
/// Re-exported: ndarray types appear in this crate's API (`Array2` Jacobians, `ArrayView2`
/// matrices), so users need not depend on a matching ndarray version themselves.
pub use ndarray;
/// Re-exported so user code can call `x.sin()` on a concrete AD number without naming num-traits.
pub use num_traits::Float;
pub use operator::LinearOperator;
pub use reverse::{Tape, Var};
pub use scalar::Scalar;
