//! [`Design`]: a dense or sparse design matrix, and the kernels solvers read it through.
//!
//! Every kernel writes into a caller-owned slice (no allocation in hot loops) and is generic over
//! [`Scalar`]: matrix entries are plain `f64` and enter through [`Scalar::scale`], so the same
//! kernel computes values on `f64` and propagates derivatives on AD numbers.

use crate::OptimError;
use hypergrad_ad::{LinearOperator, Scalar};
use ndarray::{Array2, ArrayView1, ShapeBuilder};
use sprs::CsMat;

/// A design matrix `X` (n samples × p features), dense, sparse, or sparse with its columns
/// centered implicitly.
///
/// Coordinate descent reads columns, so dense designs are best stored column-major and sparse
/// ones CSC: [`Design::dense`] and [`Design::sparse`] convert to those layouts. The column
/// kernels ([`Design::col_dot`], [`Design::col_axpy`], …) panic on a sparse matrix in CSR form,
/// which only a hand-built `Design::Sparse` can hold.
#[derive(Clone, Debug)]
pub enum Design {
    /// A dense matrix.
    Dense(Array2<f64>),
    /// A sparse matrix in compressed sparse column form.
    Sparse(CsMat<f64>),
    /// `X − 1mᵀ`: a sparse CSC matrix `x` with the column shifts `m` subtracted implicitly, so
    /// that centering (an intercept, scikit-learn's sparse `fit_intercept`) keeps the memory of
    /// the non-zeros. Each column kernel costs O(nnz_j + n) instead of O(nnz_j), as in
    /// scikit-learn's sparse coordinate descent. Build it with [`Design::centered`].
    Centered {
        /// The sparse part, CSC.
        x: CsMat<f64>,
        /// The shift `m_j` of each column.
        shift: Vec<f64>,
    },
}

/// One column `X_j − m_j 1`: a dense view, or the row indices and values of the non-zeros of a
/// sparse column and its shift `m_j` (0 for an uncentered sparse design).
enum Column<'a> {
    Dense(ArrayView1<'a, f64>),
    Sparse {
        rows: &'a [usize],
        vals: &'a [f64],
        shift: f64,
    },
}

/// The stored entries of column `j` of a CSC matrix.
fn csc_column(x: &CsMat<f64>, j: usize) -> (&[usize], &[f64]) {
    assert!(
        x.is_csc(),
        "column kernels need a CSC matrix: build it with Design::sparse"
    );
    let range = x.indptr().outer_inds_sz(j);
    (&x.indices()[range.clone()], &x.data()[range])
}

/// `c` as the underlying real of `S`.
#[inline(always)]
pub(crate) fn real<S: Scalar>(c: f64) -> S::Real {
    <S::Real as Scalar>::from_f64(c)
}

/// Independent partial sums in [`dot_slice`]: enough to hide the add latency on 2-wide SIMD.
const LANES: usize = 8;

/// `Σ_i x_i v_i` with [`LANES`] partial sums (lets the compiler vectorize the f64 case).
#[inline]
fn dot_slice<S: Scalar>(x: &[f64], v: &[S]) -> S {
    let mut acc = [S::zero(); LANES];
    let (xc, vc) = (x.chunks_exact(LANES), v.chunks_exact(LANES));
    let (xr, vr) = (xc.remainder(), vc.remainder());
    for (a, b) in xc.zip(vc) {
        for k in 0..LANES {
            acc[k] += b[k].scale(real::<S>(a[k]));
        }
    }
    let tail: S = xr.iter().zip(vr).map(|(a, b)| b.scale(real::<S>(*a))).sum();
    let mut width = LANES;
    while width > 1 {
        width /= 2;
        for k in 0..width {
            let upper = acc[k + width];
            acc[k] += upper;
        }
    }
    acc[0] + tail
}

impl Design {
    /// A dense design, checked (non-empty, finite) and stored column-major.
    pub fn dense(x: Array2<f64>) -> Result<Self, OptimError> {
        if x.is_empty() {
            return Err(OptimError::EmptyData { what: "design" });
        }
        if x.iter().any(|v| !v.is_finite()) {
            return Err(OptimError::NonFinite { what: "design" });
        }
        if x.t().is_standard_layout() {
            return Ok(Design::Dense(x));
        }
        let mut fortran = Array2::zeros(x.raw_dim().f());
        fortran.assign(&x);
        Ok(Design::Dense(fortran))
    }

    /// A sparse design, checked (non-empty, finite) and converted to CSC.
    pub fn sparse(x: CsMat<f64>) -> Result<Self, OptimError> {
        if x.rows() == 0 || x.cols() == 0 {
            return Err(OptimError::EmptyData { what: "design" });
        }
        if x.data().iter().any(|v| !v.is_finite()) {
            return Err(OptimError::NonFinite { what: "design" });
        }
        Ok(Design::Sparse(x.into_csc()))
    }

    /// `X − 1mᵀ` for a sparse `x`, kept sparse ([`Design::Centered`]), checked (non-empty,
    /// finite, one finite shift per column).
    pub fn centered(x: CsMat<f64>, shift: Vec<f64>) -> Result<Self, OptimError> {
        let Design::Sparse(x) = Design::sparse(x)? else {
            unreachable!("Design::sparse builds a sparse design")
        };
        if shift.len() != x.cols() {
            return Err(OptimError::ShapeMismatch {
                what: "column shifts",
                expected: x.cols(),
                got: shift.len(),
            });
        }
        if shift.iter().any(|v| !v.is_finite()) {
            return Err(OptimError::NonFinite {
                what: "column shifts",
            });
        }
        Ok(Design::Centered { x, shift })
    }

    /// Re-checks a design however it was built (for example `Design::Dense(a)` directly) and
    /// brings it to the layout the kernels expect, as [`Design::dense`] / [`Design::sparse`] do.
    pub fn validated(self) -> Result<Self, OptimError> {
        match self {
            Design::Dense(x) => Design::dense(x),
            Design::Sparse(x) => Design::sparse(x),
            Design::Centered { x, shift } => Design::centered(x, shift),
        }
    }

    /// `[X 1]`: the design with a column of ones appended, the column of an unpenalized
    /// intercept (coefficient last). A sparse design stays sparse: the new column stores its n
    /// ones, so memory grows by n entries whatever the format.
    pub fn with_ones_column(&self) -> Design {
        let sparse = |x: &CsMat<f64>| {
            let x = x.to_csc();
            let n = x.rows();
            let stored = x.indptr().outer_inds_slice(0, x.cols());
            let (mut indptr, mut indices, mut data) = (
                x.indptr().to_proper().into_owned(),
                x.indices()[stored.clone()].to_vec(),
                x.data()[stored].to_vec(),
            );
            indptr.push(indptr[indptr.len() - 1] + n);
            indices.extend(0..n);
            data.extend(std::iter::repeat_n(1.0, n));
            CsMat::new_csc((n, x.cols() + 1), indptr, indices, data)
        };
        match self {
            Design::Dense(x) => {
                let (n, p) = x.dim();
                let mut out = Array2::ones((n, p + 1).f());
                out.slice_mut(ndarray::s![.., ..p]).assign(x);
                Design::Dense(out)
            }
            Design::Sparse(x) => Design::Sparse(sparse(x)),
            Design::Centered { x, shift } => Design::Centered {
                x: sparse(x),
                shift: shift.iter().copied().chain([0.0]).collect(),
            },
        }
    }

    /// Number of samples n (rows).
    pub fn n_samples(&self) -> usize {
        match self {
            Design::Dense(x) => x.nrows(),
            Design::Sparse(x) | Design::Centered { x, .. } => x.rows(),
        }
    }

    /// Number of features p (columns).
    pub fn n_features(&self) -> usize {
        match self {
            Design::Dense(x) => x.ncols(),
            Design::Sparse(x) | Design::Centered { x, .. } => x.cols(),
        }
    }

    fn column(&self, j: usize) -> Column<'_> {
        match self {
            Design::Dense(x) => Column::Dense(x.column(j)),
            Design::Sparse(x) => {
                let (rows, vals) = csc_column(x, j);
                Column::Sparse {
                    rows,
                    vals,
                    shift: 0.0,
                }
            }
            Design::Centered { x, shift } => {
                let (rows, vals) = csc_column(x, j);
                Column::Sparse {
                    rows,
                    vals,
                    shift: shift[j],
                }
            }
        }
    }

    /// Column dot product `X_jᵀ v` (`v` of length n).
    #[inline]
    pub fn col_dot<S: Scalar>(&self, j: usize, v: &[S]) -> S {
        match self.column(j) {
            Column::Dense(c) => match c.as_slice() {
                Some(c) => dot_slice(c, v),
                None => c.iter().zip(v).map(|(a, b)| b.scale(real::<S>(*a))).sum(),
            },
            Column::Sparse { rows, vals, shift } => {
                let stored: S = rows
                    .iter()
                    .zip(vals)
                    .map(|(&i, a)| v[i].scale(real::<S>(*a)))
                    .sum();
                if shift == 0.0 {
                    stored
                } else {
                    stored - v.iter().copied().sum::<S>().scale(real::<S>(shift))
                }
            }
        }
    }

    /// `Σ_i X_ij f(i)`: a column dot product with a vector computed on the fly (visits only the
    /// non-zeros of a sparse column, every row of a centered one).
    #[inline]
    pub fn col_map_dot<S: Scalar>(&self, j: usize, mut f: impl FnMut(usize) -> S) -> S {
        match self.column(j) {
            Column::Dense(c) => c
                .iter()
                .enumerate()
                .map(|(i, a)| f(i).scale(real::<S>(*a)))
                .sum(),
            Column::Sparse { rows, vals, shift } => {
                let stored: S = rows
                    .iter()
                    .zip(vals)
                    .map(|(&i, a)| f(i).scale(real::<S>(*a)))
                    .sum();
                if shift == 0.0 {
                    stored
                } else {
                    let n = self.n_samples();
                    stored - (0..n).map(&mut f).sum::<S>().scale(real::<S>(shift))
                }
            }
        }
    }

    /// `out ← out + a·X_j` (`out` of length n).
    #[inline]
    pub fn col_axpy<S: Scalar>(&self, j: usize, a: S, out: &mut [S]) {
        match self.column(j) {
            Column::Dense(c) => match c.as_slice() {
                Some(c) => out
                    .iter_mut()
                    .zip(c)
                    .for_each(|(o, x)| *o += a.scale(real::<S>(*x))),
                None => out
                    .iter_mut()
                    .zip(c)
                    .for_each(|(o, x)| *o += a.scale(real::<S>(*x))),
            },
            Column::Sparse { rows, vals, shift } => {
                if shift != 0.0 {
                    let shifted = a.scale(real::<S>(shift));
                    out.iter_mut().for_each(|o| *o -= shifted);
                }
                rows.iter()
                    .zip(vals)
                    .for_each(|(&i, x)| out[i] += a.scale(real::<S>(*x)));
            }
        }
    }

    /// Squared column norms `out_j = ‖X_j‖²` (`out` of length p).
    pub fn col_sq_norms(&self, out: &mut [f64]) {
        assert_eq!(
            out.len(),
            self.n_features(),
            "col_sq_norms: out has the wrong length"
        );
        for (j, o) in out.iter_mut().enumerate() {
            *o = match self.column(j) {
                Column::Dense(c) => c.iter().map(|v| v * v).sum(),
                // Σ_stored (v − m)² + (n − nnz)·m², without cancellation.
                Column::Sparse { vals, shift, .. } => {
                    let implicit = (self.n_samples() - vals.len()) as f64;
                    vals.iter().map(|v| (v - shift) * (v - shift)).sum::<f64>()
                        + implicit * shift * shift
                }
            };
        }
    }

    /// `out = X β` (`β` of length p, `out` of length n), column by column.
    pub fn matvec<S: Scalar>(&self, beta: &[S], out: &mut [S]) {
        assert_eq!(
            beta.len(),
            self.n_features(),
            "matvec: beta has the wrong length"
        );
        assert_eq!(
            out.len(),
            self.n_samples(),
            "matvec: out has the wrong length"
        );
        out.iter_mut().for_each(|o| *o = S::zero());
        for (j, &b) in beta.iter().enumerate() {
            // `is_zero` also checks the derivative parts: a zero value may carry a tangent.
            if !b.is_zero() {
                self.col_axpy(j, b, out);
            }
        }
    }

    /// `out = Xᵀ r` (`r` of length n, `out` of length p).
    pub fn rmatvec<S: Scalar>(&self, r: &[S], out: &mut [S]) {
        assert_eq!(r.len(), self.n_samples(), "rmatvec: r has the wrong length");
        assert_eq!(
            out.len(),
            self.n_features(),
            "rmatvec: out has the wrong length"
        );
        for (j, o) in out.iter_mut().enumerate() {
            *o = self.col_dot(j, r);
        }
    }

    /// `‖Xᵀv‖∞ = max_j |X_jᵀ v|`.
    pub fn max_abs_col_dot(&self, v: &[f64]) -> f64 {
        (0..self.n_features())
            .map(|j| self.col_dot(j, v).abs())
            .fold(0.0, f64::max)
    }

    /// The squared spectral norm `‖X‖₂²` (largest eigenvalue of `XᵀX`) by power iteration.
    pub fn spectral_norm_sq(&self) -> f64 {
        let all: Vec<usize> = (0..self.n_features()).collect();
        self.block_spectral_norm_sq(&all)
    }

    /// The squared spectral norm `‖X_G‖₂²` of the columns `G` by power iteration on `X_GᵀX_G`.
    ///
    /// Starts from a fixed pseudo-random positive vector (deterministic) and stops when the
    /// Rayleigh quotient changes by less than 1e-12 relatively, or after 1000 iterations. Power
    /// iteration approaches `‖X_G‖₂²` from below; the returned value is scaled by `1 + 1e-9` so
    /// that, once converged, it is an upper bound usable as a Lipschitz constant.
    pub fn block_spectral_norm_sq(&self, cols: &[usize]) -> f64 {
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut v: Vec<f64> = cols
            .iter()
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 11) as f64 / (1u64 << 53) as f64 + 0.5
            })
            .collect();
        let mut xv = vec![0.0; self.n_samples()];
        let mut lambda = 0.0;
        for _ in 0..1000 {
            let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt();
            if norm == 0.0 {
                return 0.0;
            }
            xv.iter_mut().for_each(|a| *a = 0.0);
            for (&j, a) in cols.iter().zip(&v) {
                self.col_axpy(j, a / norm, &mut xv);
            }
            for (&j, a) in cols.iter().zip(v.iter_mut()) {
                *a = self.col_dot(j, &xv);
            }
            let next: f64 = xv.iter().map(|a| a * a).sum();
            let done = (next - lambda).abs() <= 1e-12 * next;
            lambda = next;
            if done {
                break;
            }
        }
        lambda * (1.0 + 1e-9)
    }
}

/// `X` as a constant operator for the vector operations of [`Scalar`]: generic code calls
/// `S::matvec(&x, β, out)` / `S::rmatvec(&x, r, out)` on an `Arc<Design>`, which runs the `f64`
/// kernels below on plain and dual numbers and records one node on a tape.
impl LinearOperator for Design {
    fn nrows(&self) -> usize {
        self.n_samples()
    }
    fn ncols(&self) -> usize {
        self.n_features()
    }
    fn matvec(&self, x: &[f64], y: &mut [f64]) {
        Design::matvec(self, x, y)
    }
    fn rmatvec(&self, y: &[f64], x: &mut [f64]) {
        Design::rmatvec(self, y, x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hypergrad_ad::Dual;
    use ndarray::array;

    #[test]
    fn matvec_keeps_the_tangent_of_a_zero_coefficient() {
        // β = (0 + 1ε, 2): Xβ = 2 X₂ + ε X₁ — a zero value may still carry a derivative.
        let x = Design::dense(array![[1.0, 3.0], [2.0, 4.0]]).unwrap();
        let beta = [Dual::new(0.0, 1.0), Dual::constant(2.0)];
        let mut out = [Dual::constant(0.0); 2];
        x.matvec(&beta, &mut out);
        assert_eq!(
            (out[0].re, out[0].eps, out[1].re, out[1].eps),
            (6.0, 1.0, 8.0, 2.0)
        );
    }

    fn both() -> (Design, Design) {
        let a = array![
            [1.0, 0.0, 2.0],
            [0.0, 3.0, 0.0],
            [4.0, 0.0, 5.0],
            [0.0, 0.0, -1.0]
        ];
        let dense = Design::dense(a.clone()).unwrap();
        let sparse = Design::sparse(CsMat::csr_from_dense(a.view(), 0.0)).unwrap();
        (dense, sparse)
    }

    #[test]
    fn kernels_agree_with_ndarray_on_both_layouts() {
        let a = array![
            [1.0, 0.0, 2.0],
            [0.0, 3.0, 0.0],
            [4.0, 0.0, 5.0],
            [0.0, 0.0, -1.0]
        ];
        let beta = [0.5, -1.0, 2.0];
        let r = [1.0, 2.0, -3.0, 0.25];
        let want_xb = a.dot(&ndarray::arr1(&beta));
        let want_xtr = a.t().dot(&ndarray::arr1(&r));
        // Row-major and column-major dense, and CSC: all exact small-integer arithmetic.
        let row_major = Design::Dense(a.clone());
        let (dense, sparse) = both();
        for d in [&row_major, &dense, &sparse] {
            let mut xb = [0.0; 4];
            d.matvec(&beta, &mut xb);
            assert_eq!(xb.as_slice(), want_xb.as_slice().unwrap());
            let mut xtr = [0.0; 3];
            d.rmatvec(&r, &mut xtr);
            assert_eq!(xtr.as_slice(), want_xtr.as_slice().unwrap());
            let mut norms = [0.0; 3];
            d.col_sq_norms(&mut norms);
            assert_eq!(norms, [17.0, 9.0, 30.0]);
            assert_eq!(d.col_map_dot(2, |i| r[i]), want_xtr[2]);
        }
    }

    #[test]
    fn centered_kernels_agree_with_the_dense_centered_matrix() {
        let a = array![
            [1.0, 0.0, 2.0],
            [0.0, 3.0, 0.0],
            [4.0, 0.0, 5.0],
            [0.0, 0.0, -1.0]
        ];
        let shift = vec![1.25, 0.75, 1.5];
        let shifted = &a - &ndarray::arr1(&shift);
        let centered =
            Design::centered(CsMat::csc_from_dense(a.view(), 0.0), shift.clone()).unwrap();
        let dense = Design::dense(shifted.clone()).unwrap();
        let (beta, r) = ([0.5, -1.0, 2.0], [1.0, 2.0, -3.0, 0.25]);
        // Quarters and halves: every product and sum below is exact in binary.
        let (mut xb, mut want_xb) = ([0.0; 4], [0.0; 4]);
        centered.matvec(&beta, &mut xb);
        dense.matvec(&beta, &mut want_xb);
        assert_eq!(xb, want_xb);
        let (mut xtr, mut want_xtr) = ([0.0; 3], [0.0; 3]);
        centered.rmatvec(&r, &mut xtr);
        dense.rmatvec(&r, &mut want_xtr);
        assert_eq!(xtr, want_xtr);
        let (mut norms, mut want_norms) = ([0.0; 3], [0.0; 3]);
        centered.col_sq_norms(&mut norms);
        dense.col_sq_norms(&mut want_norms);
        assert_eq!(norms, want_norms);
        assert_eq!(centered.col_map_dot(2, |i| r[i]), want_xtr[2]);
        // A tangent through the shifted column: d/dt X̃(β + t e_1) = X̃_1.
        let beta = [
            Dual::constant(0.5),
            Dual::new(-1.0, 1.0),
            Dual::constant(2.0),
        ];
        let mut out = [Dual::constant(0.0); 4];
        centered.matvec(&beta, &mut out);
        let tangent: Vec<f64> = out.iter().map(|o| o.eps).collect();
        assert_eq!(tangent, shifted.column(1).to_vec());
        assert!(Design::centered(CsMat::csc_from_dense(a.view(), 0.0), vec![0.0]).is_err());
    }

    #[test]
    fn a_ones_column_is_appended_in_every_format() {
        let (dense, sparse) = both();
        let a = array![
            [1.0, 0.0, 2.0],
            [0.0, 3.0, 0.0],
            [4.0, 0.0, 5.0],
            [0.0, 0.0, -1.0]
        ];
        let csr = Design::Sparse(CsMat::csr_from_dense(a.view(), 0.0));
        let centered =
            Design::centered(CsMat::csc_from_dense(a.view(), 0.0), vec![1.0, 0.0, 0.5]).unwrap();
        let beta = [0.5, -1.0, 2.0, 3.0];
        let mut want = [0.0; 4];
        dense.matvec(&beta[..3], &mut want);
        want.iter_mut().for_each(|w| *w += 3.0);
        for d in [&dense, &sparse, &csr] {
            let d = d.with_ones_column();
            assert_eq!((d.n_samples(), d.n_features()), (4, 4));
            let mut xb = [0.0; 4];
            d.matvec(&beta, &mut xb);
            assert_eq!(xb, want);
        }
        // Centered: the shifts stay on the first columns, the ones column is not shifted.
        let mut want = [0.0; 4];
        centered.matvec(&beta[..3], &mut want);
        want.iter_mut().for_each(|w| *w += 3.0);
        let mut xb = [0.0; 4];
        centered.with_ones_column().matvec(&beta, &mut xb);
        assert_eq!(xb, want);
    }

    #[test]
    fn generic_kernels_carry_tangents() {
        // d/dt (X (β + t e_1)) = X_1: the tangent of matvec is the first column.
        let (dense, sparse) = both();
        for d in [&dense, &sparse] {
            let beta = [
                Dual::new(0.5, 0.0),
                Dual::new(-1.0, 1.0),
                Dual::new(2.0, 0.0),
            ];
            let mut out = [Dual::new(0.0, 0.0); 4];
            d.matvec(&beta, &mut out);
            let tangent: Vec<f64> = out.iter().map(|o| o.eps).collect();
            assert_eq!(tangent, vec![0.0, 3.0, 0.0, 0.0]);
        }
    }

    #[test]
    fn dense_constructor_stores_column_major() {
        let (dense, _) = both();
        let Design::Dense(x) = dense else {
            unreachable!()
        };
        assert!(x.column(0).as_slice().is_some());
    }

    #[test]
    fn spectral_norm_matches_a_diagonal_matrix() {
        let d = Design::dense(array![[3.0, 0.0], [0.0, -5.0], [0.0, 0.0]]).unwrap();
        // ‖X‖₂² = 25; power iteration converges to 1e-12 relative, then the 1e-9 margin.
        assert!((d.spectral_norm_sq() - 25.0).abs() < 25.0 * 2e-9);
    }
}
