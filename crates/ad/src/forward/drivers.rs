//! Drivers that hide the seeding of tangents: [`derivative`], [`jvp`], [`gradient`],
//! [`jacobian`], [`hvp`], [`hessian`].
//!
//! Rust closures cannot be generic, so (as in num-dual) each driver fixes the number type its
//! closure receives, and a program written once as `fn f<S: Scalar>(x: &[S]) -> S` is passed as
//! plain `f` (or `|x| f(x)`, or `f::<DualVec<f64, CHUNK>>`): type inference picks `S` from the
//! driver's bound.
//!
//! | driver | closure receives | passes for `n` inputs |
//! | --- | --- | --- |
//! | [`derivative`] | `Dual<T>` | 1 |
//! | [`jvp`] | `&[Dual<T>]` | 1 |
//! | [`gradient`], [`jacobian`] | `&[DualVec<T, CHUNK>]` | ⌈n / CHUNK⌉ |
//! | [`hvp`] | `&[DualVec<Dual<T>, CHUNK>]` | ⌈n / CHUNK⌉ |
//! | [`hessian`] | `&[DualVec<Dual<T>, CHUNK>]` | Σⱼ ⌈(n − ⌊j/CHUNK⌋·CHUNK) / CHUNK⌉ ≈ n²/(2·CHUNK) |
//!
//! Points and directions are anything that iterates over `&T`: slices, `&Vec<T>`, arrays,
//! `ndarray::ArrayView1<T>` and `&Array1<T>` (strided views included).
//!
//! ```
//! use hypergrad_ad::{forward, Scalar};
//!
//! fn f<S: Scalar>(x: &[S]) -> S {
//!     x[0] * x[1] + x[2].exp()
//! }
//! let (y, g) = forward::gradient(f, &[1.0, 2.0, 0.0]);
//! assert_eq!((y, g), (3.0, vec![2.0, 1.0, 1.0]));
//! ```

use super::{Dual, DualVec};
use crate::error::{check_len, AdError};
use crate::Scalar;
use ndarray::Array2;

/// Tangent lanes per pass of the chunked drivers: `n` inputs take ⌈n / CHUNK⌉ passes
/// ([`gradient_lanes`] and [`jacobian_lanes`] take the width as a parameter).
///
/// Measured on extended Rosenbrock (`benches/forward.rs`): 8 lanes are fastest or tied at
/// n = 100 and 1000 (0.94 ms at n = 1000 vs 1.26 ms with 4 lanes and 0.94 ms with 16); 4 lanes
/// win only for tiny n (161 ns vs 247 ns at n = 10).
pub const CHUNK: usize = 8;

/// `(f(x), f'(x))` for `f: ℝ → ℝ`, by one pass with `x + 1·ε`.
///
/// ```
/// use hypergrad_ad::forward::derivative;
/// use hypergrad_ad::Float;
///
/// let (y, dy) = derivative(|x| x * x.sin(), 2.0_f64);
/// assert_eq!((y, dy), (2.0 * 2.0_f64.sin(), 2.0_f64.sin() + 2.0 * 2.0_f64.cos()));
/// ```
pub fn derivative<T: Scalar>(mut f: impl FnMut(Dual<T>) -> Dual<T>, x: T) -> (T, T) {
    let y = f(Dual::variable(x));
    (y.re, y.eps)
}

/// `(f(x), J_f(x)·v)` for `f: ℝⁿ → ℝᵐ`: the Jacobian–vector product, one pass with `x + v·ε`.
///
/// # Errors
/// [`AdError::LengthMismatch`] if `v` and `x` differ in length.
pub fn jvp<'a, T: Scalar + 'a>(
    mut f: impl FnMut(&[Dual<T>]) -> Vec<Dual<T>>,
    x: impl IntoIterator<Item = &'a T>,
    v: impl IntoIterator<Item = &'a T>,
) -> Result<(Vec<T>, Vec<T>), AdError> {
    let xs = seed_direction(x, v)?;
    let y = f(&xs);
    Ok(y.iter().map(|yi| (yi.re, yi.eps)).unzip())
}

/// `(f(x), ∇f(x))` for `f: ℝⁿ → ℝ`, by ⌈n / [`CHUNK`]⌉ passes of [`DualVec`].
pub fn gradient<'a, T: Scalar + 'a>(
    f: impl FnMut(&[DualVec<T, CHUNK>]) -> DualVec<T, CHUNK>,
    x: impl IntoIterator<Item = &'a T>,
) -> (T, Vec<T>) {
    gradient_lanes::<T, CHUNK>(f, x)
}

/// [`gradient`] with `N` lanes per pass, chosen by the caller (`N = n` for one pass on small
/// inputs): `gradient_lanes::<_, 3>(f, &x)`.
pub fn gradient_lanes<'a, T: Scalar + 'a, const N: usize>(
    f: impl FnMut(&[DualVec<T, N>]) -> DualVec<T, N>,
    x: impl IntoIterator<Item = &'a T>,
) -> (T, Vec<T>) {
    let x: Vec<T> = x.into_iter().copied().collect();
    let mut grad = vec![T::zero(); x.len()];
    let y = chunked(&x, 0, f, |y, lane, k| grad[k] = y.eps[lane]);
    (y.re, grad)
}

/// `(f(x), J_f(x))` for `f: ℝᴺ → ℝᴹ` of fixed small sizes, in one pass of `DualVec<T, N>` with
/// nothing on the heap: the closure takes and returns arrays. Row `i` of the returned array is
/// `∇fᵢ`.
///
/// ```
/// use hypergrad_ad::{forward, Scalar};
///
/// fn polar<S: Scalar>(p: &[S; 2]) -> [S; 2] {
///     [p[0] * p[1].cos(), p[0] * p[1].sin()]
/// }
/// let (y, j) = forward::jacobian_fixed(polar, [2.0, 0.0]);
/// assert_eq!((y, j), ([2.0, 0.0], [[1.0, 0.0], [0.0, 2.0]]));
/// ```
pub fn jacobian_fixed<T: Scalar, const N: usize, const M: usize>(
    f: impl FnOnce(&[DualVec<T, N>; N]) -> [DualVec<T, N>; M],
    x: [T; N],
) -> ([T; M], [[T; N]; M]) {
    let mut lane = 0;
    let xs = x.map(|v| {
        lane += 1;
        DualVec::variable(v, lane - 1)
    });
    let y = f(&xs);
    (y.map(|yi| yi.re), y.map(|yi| yi.eps))
}

/// `(f(x), J_f(x))` for `f: ℝⁿ → ℝᵐ`, the `m × n` Jacobian by ⌈n / [`CHUNK`]⌉ passes (forward
/// mode fills [`CHUNK`] columns per pass; prefer reverse mode when `m ≪ n`).
///
/// ```
/// use hypergrad_ad::{forward, Scalar};
///
/// fn polar<S: Scalar>(p: &[S]) -> Vec<S> {
///     vec![p[0] * p[1].cos(), p[0] * p[1].sin()]
/// }
/// let (_, j) = forward::jacobian(polar, &[2.0, 0.0]).unwrap();
/// assert_eq!(j, ndarray::array![[1.0, 0.0], [0.0, 2.0]]);
/// ```
///
/// # Errors
/// [`AdError::InconsistentOutput`] if `f` returns outputs of different lengths on two passes.
pub fn jacobian<'a, T: Scalar + 'a>(
    f: impl FnMut(&[DualVec<T, CHUNK>]) -> Vec<DualVec<T, CHUNK>>,
    x: impl IntoIterator<Item = &'a T>,
) -> Result<(Vec<T>, Array2<T>), AdError> {
    jacobian_lanes::<T, CHUNK>(f, x)
}

/// [`jacobian`] with `N` lanes per pass, chosen by the caller (`N = n` for one pass); for
/// small fixed sizes without the heap see [`jacobian_fixed`].
///
/// # Errors
/// [`AdError::InconsistentOutput`] if `f` returns outputs of different lengths on two passes.
pub fn jacobian_lanes<'a, T: Scalar + 'a, const N: usize>(
    f: impl FnMut(&[DualVec<T, N>]) -> Vec<DualVec<T, N>>,
    x: impl IntoIterator<Item = &'a T>,
) -> Result<(Vec<T>, Array2<T>), AdError> {
    let x: Vec<T> = x.into_iter().copied().collect();
    let mut jac: Option<Array2<T>> = None;
    let mut error = None;
    let y = chunked(&x, 0, f, |y, lane, k| {
        let jac = jac.get_or_insert_with(|| Array2::zeros((y.len(), x.len())));
        if y.len() != jac.nrows() {
            error = Some(AdError::InconsistentOutput {
                first: jac.nrows(),
                later: y.len(),
            });
            return;
        }
        for (row, yi) in y.iter().enumerate() {
            jac[[row, k]] = yi.eps[lane];
        }
    });
    if let Some(e) = error {
        return Err(e);
    }
    let jac = jac.unwrap_or_else(|| Array2::zeros((y.len(), 0)));
    Ok((y.iter().map(|yi| yi.re).collect(), jac))
}

/// `(f(x), ∇f(x), ∇²f(x)·v)`: the Hessian–vector product by forward over forward, in
/// ⌈n / [`CHUNK`]⌉ passes.
///
/// Input `i` is seeded as `(xᵢ + vᵢ·δ) + Σₗ [i = kₗ]·εₗ`, where `δ` is the inner [`Dual`] and
/// `εₗ` the lanes of the outer [`DualVec`] for the chunk `k₁ … k_CHUNK`. Lane `l` of the output
/// then holds `∂f/∂x_{kₗ}(x + t·v)` as a function of `t`: its value is `(∇f)_{kₗ}` and its
/// `δ` part `(∇²f·v)_{kₗ}`.
///
/// ```
/// use hypergrad_ad::{forward, Scalar};
///
/// // f = x₀²x₁: ∇f = (2x₀x₁, x₀²), ∇²f = [[2x₁, 2x₀], [2x₀, 0]].
/// let (y, g, hv) = forward::hvp(|x| x[0] * x[0] * x[1], &[3.0, 2.0], &[1.0, -1.0]).unwrap();
/// assert_eq!((y, g, hv), (18.0, vec![12.0, 9.0], vec![4.0 - 6.0, 6.0]));
/// ```
///
/// # Errors
/// [`AdError::LengthMismatch`] if `v` and `x` differ in length.
pub fn hvp<'a, T: Scalar + 'a>(
    f: impl FnMut(&[DualVec<Dual<T>, CHUNK>]) -> DualVec<Dual<T>, CHUNK>,
    x: impl IntoIterator<Item = &'a T>,
    v: impl IntoIterator<Item = &'a T>,
) -> Result<(T, Vec<T>, Vec<T>), AdError> {
    let xv = seed_direction(x, v)?;
    let n = xv.len();
    let (mut grad, mut hv) = (vec![T::zero(); n], vec![T::zero(); n]);
    let y = chunked(&xv, 0, f, |y, lane, k| {
        grad[k] = y.eps[lane].re;
        hv[k] = y.eps[lane].eps;
    });
    Ok((y.re.re, grad, hv))
}

/// `(f(x), ∇f(x), ∇²f(x))` by forward over forward: column `j` is [`hvp`] with `v = eⱼ`, and
/// by symmetry only the rows from `j`'s chunk on are computed (about n² / (2·[`CHUNK`]) passes).
///
/// ```
/// use hypergrad_ad::{forward, Scalar};
///
/// // f = x₀²x₁ + x₁³ at (1, 2): ∇²f = [[2x₁, 2x₀], [2x₀, 6x₁]].
/// fn f<S: Scalar>(x: &[S]) -> S {
///     x[0] * x[0] * x[1] + x[1].powi(3)
/// }
/// let (y, g, h) = forward::hessian(f, &[1.0, 2.0]);
/// assert_eq!((y, g), (10.0, vec![4.0, 13.0]));
/// assert_eq!(h, ndarray::array![[4.0, 2.0], [2.0, 12.0]]);
/// ```
pub fn hessian<'a, T: Scalar + 'a>(
    mut f: impl FnMut(&[DualVec<Dual<T>, CHUNK>]) -> DualVec<Dual<T>, CHUNK>,
    x: impl IntoIterator<Item = &'a T>,
) -> (T, Vec<T>, Array2<T>) {
    let mut xv: Vec<Dual<T>> = x.into_iter().map(|&xi| Dual::constant(xi)).collect();
    let n = xv.len();
    let mut grad = vec![T::zero(); n];
    let mut hess = Array2::zeros((n, n));
    let mut value = None;
    for j in 0..n {
        xv[j].eps = T::one();
        let y = chunked(&xv, j - j % CHUNK, &mut f, |y, lane, k| {
            grad[k] = y.eps[lane].re;
            hess[[k, j]] = y.eps[lane].eps;
            hess[[j, k]] = y.eps[lane].eps;
        });
        xv[j].eps = T::zero();
        value = Some(y.re.re);
    }
    let value = value.unwrap_or_else(|| f(&[]).re.re);
    (value, grad, hess)
}

/// `xᵢ + vᵢ·ε` for every `i`.
fn seed_direction<'a, T: Scalar + 'a>(
    x: impl IntoIterator<Item = &'a T>,
    v: impl IntoIterator<Item = &'a T>,
) -> Result<Vec<Dual<T>>, AdError> {
    let x: Vec<T> = x.into_iter().copied().collect();
    let v: Vec<T> = v.into_iter().copied().collect();
    check_len("direction v", x.len(), v.len())?;
    Ok(x.iter()
        .zip(&v)
        .map(|(&xi, &vi)| Dual::new(xi, vi))
        .collect())
}

/// Evaluates `f` once per chunk of `N` inputs from index `from` on, with input `k` of the chunk
/// seeded in lane `k − start` and every other input constant, and calls `read(y, lane, k)` for
/// each seeded input. Runs at least once (with constants only if no input is left) and returns
/// the last output, whose primal part is `f(x)`.
fn chunked<U: Scalar, const N: usize, Y>(
    x: &[U],
    from: usize,
    mut f: impl FnMut(&[DualVec<U, N>]) -> Y,
    mut read: impl FnMut(&Y, usize, usize),
) -> Y {
    let mut xs: Vec<DualVec<U, N>> = x.iter().map(|&xi| DualVec::constant(xi)).collect();
    let mut start = from;
    loop {
        let end = (start + N).min(x.len());
        for (lane, xk) in xs[start..end].iter_mut().enumerate() {
            xk.eps[lane] = U::one();
        }
        let y = f(&xs);
        for (lane, xk) in xs[start..end].iter_mut().enumerate() {
            read(&y, lane, start + lane);
            xk.eps[lane] = U::zero();
        }
        if end >= x.len() {
            return y;
        }
        start = end;
    }
}
