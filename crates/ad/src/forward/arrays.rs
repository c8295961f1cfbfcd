//! ndarray interop: arrays whose elements are forward numbers.
//!
//! What works, for `A = Array1<Dual<f64>>` (likewise `DualVec<T, N>` and nested duals, any
//! dimension):
//! - element-wise arithmetic between arrays: `&a + &b`, `&a * &b`, `a - b`, `a / &b`, `+=`;
//! - arrays with a dual scalar on the right: `&a * d` for `d: Dual<f64>` (this module's
//!   [`ScalarOperand`] impls), and with a plain float on the right: `&a * 2.0`, `&a + 1.0`
//!   (the element type implements `Mul<f64>` and `f64` is a `ScalarOperand`);
//! - `mapv(|v| v.sin())`, `map`, `zip`, `fold`, `sum()`, `product()`;
//! - `dot` between vectors and matrices (the element type is ndarray's `LinalgScalar`:
//!   `'static + Copy + Zero + One + Add + Sub + Mul + Div`); it runs ndarray's generic loop, not
//!   BLAS.
//!
//! What does not:
//! - a plain float or a dual on the *left* of an array (`2.0 * &a`, `d * &a`): ndarray
//!   implements those only for its primitive element types. Write `&a * 2.0`.
//! - `mean()`, `var()`, `std()`: they need `FromPrimitive`, which AD numbers do not implement
//!   (use `a.sum() / n as f64`).
//! - tape variables `Var<'t, T>` carry a lifetime, so they are not `'static` and none of the
//!   above (`ScalarOperand`, `LinalgScalar`) applies to them.

use super::{Dual, DualVec};
use crate::Scalar;
use ndarray::ScalarOperand;

impl<T: Scalar + 'static> ScalarOperand for Dual<T> {}
impl<T: Scalar + 'static, const N: usize> ScalarOperand for DualVec<T, N> {}
