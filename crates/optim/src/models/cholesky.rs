//! A blocked dense Cholesky factorization for the ridge normal equations.
//!
//! Our own kernel over ndarray's matrix product (matrixmultiply, already a dependency): the
//! trailing update, where the flops are, is one `general_mat_mul` per block column; the panel is
//! factored column by column with contiguous (column-major) axpys. Measured against faer 0.24
//! and nalgebra 0.33 on p = 1000 (one thread): 23 ms vs 8 ms (faer) and 83 ms (nalgebra); on
//! the n×n Woodbury system of the per-feature ridge target (n = 200) 0.7 ms vs 0.1 ms and
//! 0.4 ms — a cost far below the Gram product it follows, without faer's ~140-crate build.

use ndarray::linalg::general_mat_mul;
use ndarray::{s, Array2, ShapeBuilder};

/// Columns per block: the panel work is O(p·b²), the trailing product runs at GEMM speed.
const BLOCK: usize = 64;

/// The Cholesky factor `L` (lower triangular, `A = LLᵀ`) of a symmetric positive definite
/// matrix, stored column-major.
#[derive(Clone, Debug)]
pub(crate) struct Cholesky {
    l: Array2<f64>,
}

impl Cholesky {
    /// Factors the symmetric matrix `a` (both triangles filled: which one is read depends on
    /// its memory layout; the other is overwritten).
    ///
    /// Right-looking blocked algorithm: for each block of columns `[k, k + b)`, the panel
    /// `L[k.., k..k+b]` is computed column by column (`L_jj = √(A_jj − Σ L_jm²)`,
    /// `L_ij = (A_ij − Σ L_im L_jm)/L_jj`, sums over the panel's earlier columns), then the
    /// trailing matrix is updated `A₂₂ ← A₂₂ − L₂₁L₂₁ᵀ`. A pivot below `1e-12·A_jj` (numerically
    /// singular) or non-finite stops with `Err(j)`. Cost p³/3 flops.
    pub(crate) fn factor(a: Array2<f64>) -> Result<Self, usize> {
        let p = a.nrows();
        assert_eq!(p, a.ncols(), "Cholesky::factor: the matrix must be square");
        // A row-major symmetric matrix is its own transpose: reversing the axes makes it
        // column-major without a copy.
        let mut l = if a.t().is_standard_layout() {
            a
        } else if a.is_standard_layout() {
            a.reversed_axes()
        } else {
            let mut f = Array2::zeros((p, p).f());
            f.assign(&a);
            f
        };
        let diagonal: Vec<f64> = l.diag().to_vec();
        let mut k = 0;
        while k < p {
            let b = BLOCK.min(p - k);
            let data = l
                .as_slice_memory_order_mut()
                .expect("a column-major matrix");
            for j in k..k + b {
                // Column j (rows j..) minus L_jm times column m (rows j..), m in the panel.
                let (before, from_j) = data.split_at_mut(j * p);
                let target = &mut from_j[j..p];
                for m in k..j {
                    let source = &before[m * p + j..(m + 1) * p];
                    let ljm = source[0];
                    target
                        .iter_mut()
                        .zip(source)
                        .for_each(|(t, s)| *t -= ljm * s);
                }
                let pivot = target[0];
                if !(pivot.is_finite() && pivot > 1e-12 * diagonal[j].abs()) {
                    return Err(j);
                }
                let root = pivot.sqrt();
                target.iter_mut().for_each(|v| *v /= root);
            }
            if k + b < p {
                let panel = l.slice(s![k + b.., k..k + b]).to_owned();
                let mut trailing = l.slice_mut(s![k + b.., k + b..]);
                general_mat_mul(-1.0, &panel, &panel.t(), 1.0, &mut trailing);
            }
            k += b;
        }
        Ok(Self { l })
    }

    /// The dimension p.
    pub(crate) fn dim(&self) -> usize {
        self.l.nrows()
    }

    /// `(max_j L_jj / min_j L_jj)²`, a lower bound on the condition number of `A`: each pivot
    /// `L_jj²` lies in `[λ_min(A), λ_max(A)]` (it is at most `A_jj` and at least the smallest
    /// eigenvalue of the leading j×j block).
    pub(crate) fn condition_lower_bound(&self) -> f64 {
        let d = self.l.diag();
        let (lo, hi) = d.iter().fold((f64::INFINITY, 0.0_f64), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
        (hi / lo).powi(2)
    }

    /// Overwrites `b` with `A⁻¹b`: `Lz = b` forward, then `Lᵀx = z` backward.
    pub(crate) fn solve_in_place(&self, b: &mut [f64]) {
        let p = self.dim();
        assert_eq!(b.len(), p, "Cholesky::solve_in_place: wrong length");
        let column = |j: usize| self.l.column(j).to_slice().expect("column-major factor");
        for j in 0..p {
            let lj = column(j);
            b[j] /= lj[j];
            let bj = b[j];
            b[j + 1..]
                .iter_mut()
                .zip(&lj[j + 1..])
                .for_each(|(bi, lij)| *bi -= bj * lij);
        }
        for j in (0..p).rev() {
            let lj = column(j);
            let s: f64 = b[j + 1..]
                .iter()
                .zip(&lj[j + 1..])
                .map(|(x, l)| x * l)
                .sum();
            b[j] = (b[j] - s) / lj[j];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array1;

    #[test]
    fn solves_a_known_system() {
        // A = [[4, 2], [2, 3]], x = (1, −2) ⇒ b = (0, −4).
        let chol = Cholesky::factor(ndarray::array![[4.0, 2.0], [2.0, 3.0]]).unwrap();
        let mut b = [0.0, -4.0];
        chol.solve_in_place(&mut b);
        assert!((b[0] - 1.0).abs() < 1e-15 && (b[1] + 2.0).abs() < 1e-15);
    }

    #[test]
    fn rejects_a_singular_matrix() {
        let a = ndarray::array![[1.0, 1.0], [1.0, 1.0]];
        assert_eq!(Cholesky::factor(a).unwrap_err(), 1);
    }

    #[test]
    fn blocked_factor_solves_across_block_boundaries() {
        // p = 150 spans three blocks; A = BᵀB + I with B a fixed pseudo-random matrix, x known.
        let p = 150;
        let b = Array2::from_shape_fn((p, p), |(i, j)| {
            (((i * 31 + j * 17) % 23) as f64 - 11.0) / 7.0
        });
        let a = b.t().dot(&b) + Array2::<f64>::eye(p);
        let x: Array1<f64> = (0..p).map(|j| (j as f64 * 0.37).sin()).collect();
        let rhs = a.dot(&x);
        let chol = Cholesky::factor(a.clone()).unwrap();
        let mut solved = rhs.to_vec();
        chol.solve_in_place(&mut solved);
        // Cholesky is backward stable: (A + E)x̂ = b with ‖E‖ ≲ p·ε·‖A‖, so the relative
        // residual ‖Ax̂ − b‖/(‖A‖‖x̂‖) is of order p·ε ≈ 3e-14 (‖A‖ bounded by its largest row
        // sum).
        let residual = a.dot(&Array1::from(solved.clone())) - &rhs;
        let norm_a = a
            .rows()
            .into_iter()
            .map(|r| r.iter().map(|v| v.abs()).sum::<f64>())
            .fold(0.0, f64::max);
        let norm_x = solved.iter().map(|v| v.abs()).fold(0.0, f64::max);
        let worst = residual.iter().map(|v| v.abs()).fold(0.0, f64::max);
        assert!(worst <= 1e-12 * norm_a * norm_x, "residual {worst}");
        assert!(solved.iter().zip(&x).all(|(s, t)| (s - t).abs() < 1e-6));
    }
}
