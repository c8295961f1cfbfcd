//! BiCGSTAB, a matrix-free Krylov solver for the non-symmetric fixed-point system.

/// The outcome of an iterative linear solve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct LinearReport {
    pub iterations: usize,
    /// `‖b − A x‖ / ‖b‖` (the true residual, recomputed at the end).
    pub relative_residual: f64,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

/// Solves `A x = b` by BiCGSTAB (van der Vorst) from the initial guess in `x`, with `A` given
/// by its action `apply(v, out)`; stops when `‖b − Ax‖ ≤ tol‖b‖` or after `max_iter` steps.
pub(crate) fn bicgstab(
    mut apply: impl FnMut(&[f64], &mut [f64]),
    b: &[f64],
    x: &mut [f64],
    tol: f64,
    max_iter: usize,
) -> LinearReport {
    let n = b.len();
    let b_norm = norm(b);
    if b_norm == 0.0 {
        x.iter_mut().for_each(|v| *v = 0.0);
        return LinearReport {
            iterations: 0,
            relative_residual: 0.0,
        };
    }
    let mut r = vec![0.0; n];
    apply(x, &mut r);
    r.iter_mut().zip(b).for_each(|(r, b)| *r = b - *r);
    let r_hat = r.clone();
    let (mut rho, mut alpha, mut omega) = (1.0, 1.0, 1.0);
    let (mut v, mut p, mut s, mut t) = (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let mut iterations = 0;
    while iterations < max_iter && norm(&r) > tol * b_norm {
        iterations += 1;
        let rho_next = dot(&r_hat, &r);
        if rho_next == 0.0 || omega == 0.0 {
            break; // breakdown: the true residual below tells the caller
        }
        let beta = (rho_next / rho) * (alpha / omega);
        rho = rho_next;
        for i in 0..n {
            p[i] = r[i] + beta * (p[i] - omega * v[i]);
        }
        apply(&p, &mut v);
        alpha = rho / dot(&r_hat, &v);
        for i in 0..n {
            s[i] = r[i] - alpha * v[i];
        }
        if norm(&s) <= tol * b_norm {
            x.iter_mut().zip(&p).for_each(|(x, p)| *x += alpha * p);
            break;
        }
        apply(&s, &mut t);
        let tt = dot(&t, &t);
        omega = if tt > 0.0 { dot(&t, &s) / tt } else { 0.0 };
        for i in 0..n {
            x[i] += alpha * p[i] + omega * s[i];
            r[i] = s[i] - omega * t[i];
        }
    }
    apply(x, &mut r);
    r.iter_mut().zip(b).for_each(|(r, b)| *r = b - *r);
    LinearReport {
        iterations,
        relative_residual: norm(&r) / b_norm,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_nonsymmetric_system() {
        // A = [[4, 1, 0], [2, 5, 1], [0, 1, 3]], x = (1, −2, 3) ⇒ b = A x.
        let a = [[4.0, 1.0, 0.0], [2.0, 5.0, 1.0], [0.0, 1.0, 3.0]];
        let apply = |v: &[f64], out: &mut [f64]| {
            for (row, o) in a.iter().zip(out.iter_mut()) {
                *o = dot(row, v);
            }
        };
        let b = [2.0, -5.0, 7.0];
        let mut x = [0.0; 3];
        let rep = bicgstab(apply, &b, &mut x, 1e-14, 50);
        assert!(rep.relative_residual <= 1e-14, "{rep:?}");
        for (xi, ei) in x.iter().zip([1.0, -2.0, 3.0]) {
            assert!((xi - ei).abs() < 1e-12);
        }
    }
}
