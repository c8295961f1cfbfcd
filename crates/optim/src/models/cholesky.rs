//! A small dense Cholesky solver for the ridge normal equations.

/// Solves `A x = b` for a symmetric positive definite `A` (p×p, row-major, lower triangle read),
/// overwriting `A` with its Cholesky factor `L` (`A = LLᵀ`) and `b` with `x`.
///
/// `L_jj = √(A_jj − Σ_{k<j} L_jk²)`, `L_ij = (A_ij − Σ_{k<j} L_ik L_jk)/L_jj`, then the two
/// triangular solves `L z = b`, `Lᵀ x = z`. A pivot below `1e-12·A_jj` (numerically singular) or
/// non-finite stops with `Err(j)`. Cost p³/3 flops.
pub(crate) fn cholesky_solve(a: &mut [f64], p: usize, b: &mut [f64]) -> Result<(), usize> {
    for j in 0..p {
        let (done, rest) = a.split_at_mut(j * p);
        let row_j = &mut rest[..p];
        for k in 0..j {
            let row_k = &done[k * p..k * p + p];
            let s: f64 = (0..k).map(|m| row_j[m] * row_k[m]).sum();
            row_j[k] = (row_j[k] - s) / row_k[k];
        }
        let pivot = row_j[j] - row_j[..j].iter().map(|v| v * v).sum::<f64>();
        if !(pivot.is_finite() && pivot > 1e-12 * row_j[j].abs()) {
            return Err(j);
        }
        row_j[j] = pivot.sqrt();
    }
    for i in 0..p {
        let s: f64 = (0..i).map(|k| a[i * p + k] * b[k]).sum();
        b[i] = (b[i] - s) / a[i * p + i];
    }
    for i in (0..p).rev() {
        let s: f64 = (i + 1..p).map(|k| a[k * p + i] * b[k]).sum();
        b[i] = (b[i] - s) / a[i * p + i];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_known_system() {
        // A = [[4, 2], [2, 3]], x = (1, −2) ⇒ b = (0, −4).
        let mut a = [4.0, 2.0, 2.0, 3.0];
        let mut b = [0.0, -4.0];
        cholesky_solve(&mut a, 2, &mut b).unwrap();
        assert!((b[0] - 1.0).abs() < 1e-15 && (b[1] + 2.0).abs() < 1e-15);
    }

    #[test]
    fn rejects_a_singular_matrix() {
        let mut a = [1.0, 1.0, 1.0, 1.0];
        assert_eq!(cholesky_solve(&mut a, 2, &mut [1.0, 1.0]), Err(1));
    }
}
