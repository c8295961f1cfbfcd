//! Linear solvers for the systems `(I − A) J = b` of implicit differentiation, all
//! matrix-free except the dense one: Richardson (the Neumann series / FPAD recursion), BiCGSTAB,
//! conjugate gradient (symmetric positive definite systems) and a dense LU on the active indices.

use crate::linalg::{dot, norm};
use crate::{BilevelError, LinearSolver};
use hypergrad_optim::solvers::cg;

/// The outcome of an iterative linear solve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct LinearReport {
    pub iterations: usize,
    /// `‖b − A x‖ / ‖b‖` (the true residual, recomputed at the end).
    pub relative_residual: f64,
}

/// Solves `A x = b` from the initial guess in `x` with `solver`, `A` given by its action
/// `apply(v, out)`. `active` lists the unknowns the dense solver factors (the support); the
/// matrix-free solvers work on the full vectors, where `A` must be the identity off `active`.
pub(crate) fn solve_linear(
    solver: LinearSolver,
    mut apply: impl FnMut(&[f64], &mut [f64]),
    b: &[f64],
    x: &mut [f64],
    active: Option<&[usize]>,
    tol: f64,
    max_iter: usize,
) -> Result<LinearReport, BilevelError> {
    Ok(match solver {
        LinearSolver::Neumann => richardson(apply, b, x, tol, max_iter),
        LinearSolver::Bicgstab => bicgstab(apply, b, x, tol, max_iter),
        LinearSolver::ConjugateGradient => {
            let (solution, report) = cg(&mut apply, b, Some(x), tol, max_iter)?;
            x.copy_from_slice(&solution);
            LinearReport {
                iterations: report.iterations,
                relative_residual: report.relative_residual,
            }
        }
        LinearSolver::Dense => dense(apply, b, x, active),
    })
}

/// Richardson iterations before [`solve_warm_fixed_point`] turns to BiCGSTAB.
const RICHARDSON_BUDGET: usize = 100;

/// Solves `(I − A) x = b` from the warm start in `x` by the fixed-point (Richardson) iteration
/// `x ← A x + b`, cheap per step and ideal from a good warm start; if it has not converged after
/// [`RICHARDSON_BUDGET`] steps (`A` contracts slowly, e.g. a coordinate-descent sweep on an
/// ill-conditioned logistic loss), BiCGSTAB continues from the iterate reached, within the same
/// total budget of `max_iter` products.
pub(crate) fn solve_warm_fixed_point(
    mut apply: impl FnMut(&[f64], &mut [f64]),
    b: &[f64],
    x: &mut [f64],
    tol: f64,
    max_iter: usize,
) -> LinearReport {
    let first = richardson(&mut apply, b, x, tol, max_iter.min(RICHARDSON_BUDGET));
    if first.relative_residual <= tol || first.iterations >= max_iter {
        return first;
    }
    let rest = bicgstab(apply, b, x, tol, (max_iter - first.iterations) / 2);
    LinearReport {
        iterations: first.iterations + rest.iterations,
        relative_residual: rest.relative_residual,
    }
}

fn residual_into(apply: &mut impl FnMut(&[f64], &mut [f64]), b: &[f64], x: &[f64], r: &mut [f64]) {
    apply(x, r);
    r.iter_mut().zip(b).for_each(|(r, b)| *r = b - *r);
}

fn relative(r: f64, scale: f64) -> f64 {
    if scale > 0.0 {
        r / scale
    } else {
        r
    }
}

/// Richardson iteration `x ← x + (b − A x)`: for `A = I − T'` it is the Neumann series
/// `x ← T'x + b`, the recursion of FPAD and implicit-forward. Stops on the true relative
/// residual `‖b − Ax‖/‖b‖`.
fn richardson(
    mut apply: impl FnMut(&[f64], &mut [f64]),
    b: &[f64],
    x: &mut [f64],
    tol: f64,
    max_iter: usize,
) -> LinearReport {
    let b_norm = norm(b);
    let mut r = vec![0.0; b.len()];
    let mut iterations = 0;
    loop {
        residual_into(&mut apply, b, x, &mut r);
        let relative_residual = relative(norm(&r), b_norm);
        if relative_residual <= tol || iterations == max_iter || !relative_residual.is_finite() {
            return LinearReport {
                iterations,
                relative_residual,
            };
        }
        x.iter_mut().zip(&r).for_each(|(x, r)| *x += r);
        iterations += 1;
    }
}

/// Forms `A` on the active unknowns (one product per column) and solves by LU with partial
/// pivoting; the other unknowns are 0 (`A` is the identity there and `b` vanishes). A singular
/// matrix leaves a non-finite residual, reported to the caller.
fn dense(
    mut apply: impl FnMut(&[f64], &mut [f64]),
    b: &[f64],
    x: &mut [f64],
    active: Option<&[usize]>,
) -> LinearReport {
    let n = b.len();
    let all: Vec<usize>;
    let active = match active {
        Some(a) => a,
        None => {
            all = (0..n).collect();
            &all
        }
    };
    let k = active.len();
    let (mut e, mut column) = (vec![0.0; n], vec![0.0; n]);
    let mut a = vec![0.0; k * k];
    for (c, &j) in active.iter().enumerate() {
        e[j] = 1.0;
        apply(&e, &mut column);
        e[j] = 0.0;
        for (r, &i) in active.iter().enumerate() {
            a[r * k + c] = column[i];
        }
    }
    let mut rhs: Vec<f64> = active.iter().map(|&i| b[i]).collect();
    lu_solve(&mut a, k, &mut rhs);
    x.iter_mut().for_each(|v| *v = 0.0);
    active.iter().zip(&rhs).for_each(|(&i, &v)| x[i] = v);
    let mut r = vec![0.0; n];
    residual_into(&mut apply, b, x, &mut r);
    LinearReport {
        iterations: k,
        relative_residual: relative(norm(&r), norm(b)),
    }
}

/// Gaussian elimination with partial pivoting on the row-major `k×k` matrix `a`, in place;
/// the solution overwrites `rhs` (non-finite if `a` is singular).
fn lu_solve(a: &mut [f64], k: usize, rhs: &mut [f64]) {
    for col in 0..k {
        let pivot = (col..k).max_by(|&i, &j| a[i * k + col].abs().total_cmp(&a[j * k + col].abs()));
        let Some(pivot) = pivot else { return };
        if pivot != col {
            for c in 0..k {
                a.swap(col * k + c, pivot * k + c);
            }
            rhs.swap(col, pivot);
        }
        for row in col + 1..k {
            let f = a[row * k + col] / a[col * k + col];
            for c in col..k {
                a[row * k + c] -= f * a[col * k + c];
            }
            rhs[row] -= f * rhs[col];
        }
    }
    for row in (0..k).rev() {
        let s: f64 = (row + 1..k).map(|c| a[row * k + c] * rhs[c]).sum();
        rhs[row] = (rhs[row] - s) / a[row * k + row];
    }
}

/// Solves `A x = b` by BiCGSTAB (van der Vorst) from the initial guess in `x`, with `A` given
/// by its action `apply(v, out)`; stops when `‖b − Ax‖ ≤ tol‖b‖` or after `max_iter` steps.
fn bicgstab(
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
    use crate::linalg::dot;

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
        for solver in [LinearSolver::Bicgstab, LinearSolver::Dense] {
            let mut x = [0.0; 3];
            let rep = solve_linear(solver, apply, &b, &mut x, None, 1e-14, 50).unwrap();
            assert!(rep.relative_residual <= 1e-14, "{solver:?}: {rep:?}");
            for (xi, ei) in x.iter().zip([1.0, -2.0, 3.0]) {
                assert!((xi - ei).abs() < 1e-12, "{solver:?}");
            }
        }
    }

    #[test]
    fn a_slow_fixed_point_iteration_hands_over_to_bicgstab() {
        // I − A with A = diag(0.999, 0.5, 0.99): Richardson contracts at 0.999 per step, so
        // after its 100 steps the residual is still ≈ 0.999¹⁰⁰ ≈ 0.9 of the start; BiCGSTAB
        // then solves the 3 × 3 system in at most 3 more iterations.
        let diag = [1.0 - 0.999, 1.0 - 0.5, 1.0 - 0.99];
        let apply = |v: &[f64], out: &mut [f64]| {
            out.iter_mut()
                .zip(v)
                .zip(diag)
                .for_each(|((o, v), d)| *o = d * v);
        };
        let b = [1.0, 1.0, 1.0];
        let mut x = [0.0; 3];
        let rep = solve_warm_fixed_point(apply, &b, &mut x, 1e-12, 10_000);
        assert!(rep.relative_residual <= 1e-12, "{rep:?}");
        assert!(rep.iterations <= RICHARDSON_BUDGET + 3, "{rep:?}");
        for (xi, d) in x.iter().zip(diag) {
            assert!((xi * d - 1.0).abs() < 1e-10);
        }
        // From a converged warm start no iteration is spent.
        let rep = solve_warm_fixed_point(apply, &b, &mut x, 1e-10, 10_000);
        assert_eq!(rep.iterations, 0);
    }
}
