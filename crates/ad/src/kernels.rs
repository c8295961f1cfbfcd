//! The plain kernels behind the provided vector operations of [`Scalar`]: one generic loop each,
//! used as they are by `f64` and the dual numbers (a tape variable records instead).

use crate::custom::CustomRule;
use crate::elementwise::{Elementwise, MAX_PARAMS};
use crate::operator::LinearOperator;
use crate::Scalar;

/// Panics with a uniform message when two lengths that must match do not.
#[inline]
#[track_caller]
pub(crate) fn check_len(what: &str, got: usize, expected: usize) {
    assert_eq!(got, expected, "{what}: length {got}, expected {expected}");
}

/// Checks the lengths of `A x → y` (or `Aᵀ x → y` if `transpose`).
#[track_caller]
pub(crate) fn check_operator<A: LinearOperator + ?Sized>(
    a: &A,
    transpose: bool,
    input: usize,
    output: usize,
) {
    let (m, n) = (a.nrows(), a.ncols());
    let (inner, outer) = if transpose { (m, n) } else { (n, m) };
    check_len("matvec input", input, inner);
    check_len("matvec output", output, outer);
}

/// Checks the lengths of a custom primitive's input and output.
#[track_caller]
pub(crate) fn check_custom<R: CustomRule + ?Sized>(rule: &R, input: usize, output: usize) {
    check_len("custom rule input", input, rule.n_inputs());
    check_len("custom rule output", output, rule.n_outputs());
}

/// Partial sums in [`dot`]: independent chains let the `f64` loop vectorize.
const LANES: usize = 4;

/// `Σᵢ aᵢ bᵢ` with [`LANES`] partial sums, combined pairwise, then the tail.
#[inline]
pub(crate) fn dot<S: Scalar>(a: &[S], b: &[S]) -> S {
    check_len("dot", b.len(), a.len());
    lanes_sum(a.len(), |i| a[i] * b[i])
}

/// `Σᵢ aᵢ wᵢ` for constant weights.
#[inline]
pub(crate) fn dot_const<S: Scalar>(a: &[S], w: &[f64]) -> S {
    check_len("dot_const", w.len(), a.len());
    lanes_sum(a.len(), |i| a[i] * w[i])
}

/// `Σᵢ xᵢ`.
#[inline]
pub(crate) fn sum<S: Scalar>(x: &[S]) -> S {
    lanes_sum(x.len(), |i| x[i])
}

/// `Σ_{i<n} term(i)` in [`LANES`] interleaved partial sums (the order every mode sums in, so a
/// tape's recorded value equals the `f64` kernel's bit for bit).
#[inline(always)]
pub(crate) fn lanes_sum<S: Scalar>(n: usize, term: impl Fn(usize) -> S) -> S {
    let mut acc = [S::zero(); LANES];
    let full = n - n % LANES;
    for i in (0..full).step_by(LANES) {
        for (k, a) in acc.iter_mut().enumerate() {
            *a += term(i + k);
        }
    }
    let mut total = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for i in full..n {
        total += term(i);
    }
    total
}

/// `y ← α x + y`.
#[inline]
pub(crate) fn axpy<S: Scalar>(alpha: S, x: &[S], y: &mut [S]) {
    check_len("axpy", y.len(), x.len());
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

/// `y = A x` (or `Aᵀ x`) part by part: the operator's `f64` kernel once per part of `S`.
pub(crate) fn apply_by_parts<S: Scalar, A: LinearOperator + ?Sized>(
    a: &A,
    transpose: bool,
    x: &[S],
    y: &mut [S],
) {
    check_operator(a, transpose, x.len(), y.len());
    let mut xp = vec![0.0; x.len()];
    let mut yp = vec![0.0; y.len()];
    for k in 0..S::parts() {
        xp.iter_mut().zip(x).for_each(|(p, v)| *p = v.part(k));
        if transpose {
            a.rmatvec(&xp, &mut yp);
        } else {
            a.matvec(&xp, &mut yp);
        }
        y.iter_mut().zip(&yp).for_each(|(v, &p)| v.set_part(k, p));
    }
}

/// `outᵢ = f(xᵢ; p)`, entry by entry.
#[inline]
pub(crate) fn map_slice<S: Scalar, F: Elementwise>(f: &F, x: &[S], p: &[S], out: &mut [S]) {
    check_map(x.len(), None, p.len(), out.len());
    for (o, &xi) in out.iter_mut().zip(x) {
        *o = f.eval(xi, p);
    }
}

/// `outᵢ = f(xᵢ; wᵢ, p)`, entry by entry.
#[inline]
pub(crate) fn map_zip<S: Scalar, F: Elementwise>(f: &F, x: &[S], w: &[S], p: &[S], out: &mut [S]) {
    check_map(x.len(), Some(w.len()), p.len(), out.len());
    let mut params = [S::zero(); MAX_PARAMS];
    params[1..1 + p.len()].copy_from_slice(p);
    for ((o, &xi), &wi) in out.iter_mut().zip(x).zip(w) {
        params[0] = wi;
        *o = f.eval(xi, &params[..1 + p.len()]);
    }
}

/// Checks the lengths of an element-wise map (with per-entry parameters of length `w`).
#[track_caller]
pub(crate) fn check_map(x: usize, w: Option<usize>, p: usize, out: usize) {
    check_len("map_slice output", out, x);
    if let Some(w) = w {
        check_len("map_zip per-entry parameters", w, x);
    }
    let total = p + usize::from(w.is_some());
    assert!(
        total <= MAX_PARAMS,
        "map_slice: {total} parameters, at most {MAX_PARAMS}"
    );
}
