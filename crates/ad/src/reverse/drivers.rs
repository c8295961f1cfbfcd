//! Drivers that hide the tape: [`gradient`], [`vjp`], [`jacobian`], [`hvp`].
//!
//! They record on a tape that preaccumulates ([`Tape::clear_preaccumulating`]): operations of
//! one variable record nothing, so a scalar program records about a third of the nodes (see
//! the [module documentation](super)).
//!
//! Each takes a closure generic over the tape's lifetime, `for<'t> Fn(&[Var<'t, T>]) -> …`; a
//! program written once as `fn f<S: Scalar>(x: &[S]) -> S` is passed as `|x| f(x)`.
//!
//! A closure written inline in the call gets that signature from the driver's bound. A closure
//! bound with `let` first does not: Rust gives its argument and its result two unrelated
//! lifetimes and the call fails with "one type is more general than the other". Wrap it in
//! [`scalar_fn`] (or [`vector_fn`]), which states the signature at the definition:
//!
//! ```
//! use hypergrad_ad::{reverse, Scalar};
//!
//! let f = reverse::scalar_fn(|x| x[0] * x[1] + 1.0);
//! assert_eq!(reverse::gradient(&f, &[2.0, 3.0]).1, vec![3.0, 2.0]);
//! assert_eq!(reverse::gradient(&f, &[1.0, 1.0]).1, vec![1.0, 1.0]);
//! ```

use super::{Tape, Var};
use crate::error::check_len;
use crate::AdError;
use crate::{Dual, Scalar};
use ndarray::Array2;

/// `f` itself, with the signature the scalar drivers need (`for<'t> Fn(&[Var<'t, T>]) ->
/// Var<'t, T>`) fixed where the closure is written, so that it can be bound with `let` and
/// reused. See the module documentation.
pub fn scalar_fn<T, F>(f: F) -> F
where
    T: Scalar,
    F: for<'t> Fn(&[Var<'t, T>]) -> Var<'t, T>,
{
    f
}

/// `f` itself, with the signature of the vector drivers ([`vjp`], [`jacobian`]) fixed where the
/// closure is written.
pub fn vector_fn<T, F>(f: F) -> F
where
    T: Scalar,
    F: for<'t> Fn(&[Var<'t, T>]) -> Vec<Var<'t, T>>,
{
    f
}

/// `f(x)` and `∇f(x)` into `grad`, recording on `tape` (cleared first, its memory reused: a loop
/// that calls this with one tape does not reallocate the tape; only the `n` input variables
/// handed to `f` are collected in a fresh `Vec`). The tape preaccumulates
/// ([`Tape::clear_preaccumulating`]): after the call it holds partials, not a replayable program.
///
/// # Errors
/// [`AdError::LengthMismatch`] if `grad.len() != x.len()`.
pub fn gradient_on<T, F>(tape: &mut Tape<T>, f: F, x: &[T], grad: &mut [T]) -> Result<T, AdError>
where
    T: Scalar,
    F: for<'t> Fn(&[Var<'t, T>]) -> Var<'t, T>,
{
    check_len("gradient output", x.len(), grad.len())?;
    tape.clear_preaccumulating();
    let tape: &Tape<T> = tape;
    let xs = tape.vars(x);
    let y = f(&xs);
    tape.reverse(&[(y, T::one())])?;
    // The inputs are the nodes `1 ..= n` (the tape was cleared): one copy.
    tape.leading_adjoints(grad);
    Ok(y.primal())
}

/// `(f(x), ∇f(x))` by one recording and one reverse sweep.
///
/// ```
/// use hypergrad_ad::{reverse, Scalar};
///
/// fn f<S: Scalar>(x: &[S]) -> S {
///     x[0] * x[1] + x[2].exp()
/// }
/// let (y, g) = reverse::gradient(|x| f(x), &[1.0, 2.0, 0.0]);
/// assert_eq!((y, g), (3.0, vec![2.0, 1.0, 1.0]));
/// ```
pub fn gradient<T, F>(f: F, x: &[T]) -> (T, Vec<T>)
where
    T: Scalar,
    F: for<'t> Fn(&[Var<'t, T>]) -> Var<'t, T>,
{
    let mut grad = vec![T::zero(); x.len()];
    let value = gradient_on(&mut Tape::new(), f, x, &mut grad)
        .expect("a fresh tape and a gradient buffer of the input's length");
    (value, grad)
}

/// `(f(x), wᵀ J_f(x))`: the vector–Jacobian product of `f: ℝⁿ → ℝᵐ` in one sweep.
///
/// # Errors
/// [`AdError::LengthMismatch`] if `w` does not have one weight per output.
pub fn vjp<T, F>(f: F, x: &[T], w: &[T]) -> Result<(Vec<T>, Vec<T>), AdError>
where
    T: Scalar,
    F: for<'t> Fn(&[Var<'t, T>]) -> Vec<Var<'t, T>>,
{
    let tape = Tape::preaccumulating();
    let xs = tape.vars(x);
    let ys = f(&xs);
    check_len("vjp weights", ys.len(), w.len())?;
    let seeds: Vec<_> = ys.iter().copied().zip(w.iter().copied()).collect();
    tape.reverse(&seeds)?;
    let mut out = vec![T::zero(); x.len()];
    tape.adjoints_into(&xs, &mut out)?;
    Ok((ys.iter().map(Var::primal).collect(), out))
}

/// `(f(x), J_f(x))` for `f: ℝⁿ → ℝᵐ`: one recording, then one sweep per output (row `i` of the
/// `m × n` Jacobian is `eᵢᵀ J`). Cheaper than forward mode's `n` passes when `m < n`.
pub fn jacobian<T, F>(f: F, x: &[T]) -> (Vec<T>, Array2<T>)
where
    T: Scalar,
    F: for<'t> Fn(&[Var<'t, T>]) -> Vec<Var<'t, T>>,
{
    let tape = Tape::preaccumulating();
    let xs = tape.vars(x);
    let ys = f(&xs);
    let mut jac = Array2::from_elem((ys.len(), x.len()), T::zero());
    for (i, y) in ys.iter().enumerate() {
        tape.reverse(&[(*y, T::one())])
            .expect("outputs recorded on this tape");
        for (j, xj) in xs.iter().enumerate() {
            jac[[i, j]] = tape.adjoint(*xj);
        }
    }
    (ys.iter().map(Var::primal).collect(), jac)
}

/// `(f(x), ∇f(x), ∇²f(x)·v)` by forward over reverse: the program is recorded on a
/// `Tape<Dual<T>>` at `x + t·v` (inputs `Dual(xᵢ, vᵢ)`), and the reverse sweep of the dual-valued
/// tape gives `∇f(x + t·v)` to first order in `t`: its tangents are `d/dt ∇f = H v`. The cost is a
/// small constant times one gradient.
///
/// ```
/// use hypergrad_ad::{reverse, Scalar};
///
/// // f = x₀² x₁: H = [[2x₁, 2x₀], [2x₀, 0]]; at (1, 2), H·(1, 0) = (4, 2).
/// let (y, g, hv) = reverse::hvp(|x| x[0] * x[0] * x[1], &[1.0, 2.0], &[1.0, 0.0]).unwrap();
/// assert_eq!((y, g, hv), (2.0, vec![4.0, 1.0], vec![4.0, 2.0]));
/// ```
///
/// # Errors
/// [`AdError::LengthMismatch`] if `v.len() != x.len()`.
#[allow(clippy::type_complexity)]
pub fn hvp<T, F>(f: F, x: &[T], v: &[T]) -> Result<(T, Vec<T>, Vec<T>), AdError>
where
    T: Scalar,
    F: for<'t> Fn(&[Var<'t, Dual<T>>]) -> Var<'t, Dual<T>>,
{
    check_len("hvp direction", x.len(), v.len())?;
    let tape = Tape::preaccumulating();
    let xs: Vec<_> = x
        .iter()
        .zip(v)
        .map(|(&xi, &vi)| tape.var(Dual::new(xi, vi)))
        .collect();
    let y = f(&xs);
    tape.reverse(&[(y, Dual::new(T::one(), T::zero()))])?;
    let adj: Vec<Dual<T>> = xs.iter().map(|xi| tape.adjoint(*xi)).collect();
    Ok((
        y.primal().re,
        adj.iter().map(|a| a.re).collect(),
        adj.iter().map(|a| a.eps).collect(),
    ))
}
