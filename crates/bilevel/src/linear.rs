//! Linear solvers for the systems `M x = b`, `M = I − A` or `I − Aᵀ`, of implicit
//! differentiation, all matrix-free except the dense one (`M` is given by its action), with
//! failures detected and handled: every solve ends on its true residual, and a breakdown, a
//! divergence, a stagnation or a system the solver cannot handle (CG on a non-symmetric `M`)
//! hands over to GMRES, reported as a [`Fallback`].

use crate::linalg::{dot, norm};
use crate::{BilevelError, LinearSolver};

/// How a system is solved: one solver (with the GMRES fallback), or warm Neumann iterations
/// handing over to a Krylov method when they contract slowly (implicit-forward's scheme).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Strategy {
    Fixed(LinearSolver),
    WarmNeumann,
    /// CG if `M` is measured symmetric, BiCGSTAB otherwise (the hand-over of the warm scheme).
    Krylov,
}

/// Why a solver handed over to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FallbackReason {
    /// A Krylov recurrence broke down (a zero inner product).
    Breakdown,
    /// The residual grew or turned non-finite.
    Diverged,
    /// The iteration stopped improving, or hit its share of the budget, above the tolerance.
    Stagnated,
    /// Conjugate gradient was asked for, but `M` is not symmetric (measured by a probe
    /// `|uᵀMv − vᵀMu|`), or not positive definite (`pᵀMp ≤ 0` met).
    NotSymmetricPositive,
    /// The dense factorization met a singular matrix.
    Singular,
}

/// A solver that was replaced during a solve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fallback {
    /// The solver that failed.
    pub from: LinearSolver,
    /// The solver that continued.
    pub to: LinearSolver,
    /// Why.
    pub reason: FallbackReason,
}

/// The outcome of a linear solve.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct LinearReport {
    /// Products with `M` (or columns formed, for the dense solver).
    pub iterations: usize,
    /// `‖b − M x‖ / ‖b‖`, recomputed at the end (the absolute residual if `b = 0`).
    pub relative_residual: f64,
    /// The solver that produced `x`.
    pub solver: LinearSolver,
    /// The hand-overs on the way.
    pub fallbacks: Vec<Fallback>,
    /// `ρ(A)` measured by the Neumann iterations (the ratio of successive residuals), if they
    /// ran long enough to tell.
    pub contraction: Option<f64>,
}

/// Neumann iterations before the warm strategy turns to a Krylov method.
pub(crate) const NEUMANN_BUDGET: usize = 100;

/// One solve's raw result, before the fallbacks.
struct Attempt {
    iterations: usize,
    failure: Option<FallbackReason>,
    contraction: Option<f64>,
}

/// Solves `M x = b` from the initial guess in `x` by `strategy`, `M` given by `apply(v, out)`,
/// within `max_iter` products; `active` lists the unknowns the dense solver factors.
/// Errors: a non-finite final residual (the computation broke down and no fallback recovered).
pub(crate) fn solve(
    strategy: Strategy,
    mut apply: impl FnMut(&[f64], &mut [f64]),
    b: &[f64],
    x: &mut [f64],
    active: Option<&[usize]>,
    tol: f64,
    max_iter: usize,
) -> Result<LinearReport, BilevelError> {
    let b_norm = norm(b);
    let start = x.to_vec();
    let mut fallbacks = Vec::new();
    let (mut solver, mut used, mut contraction) = match strategy {
        Strategy::Fixed(s) => (s, 0, None),
        Strategy::Krylov => (krylov_for(&mut apply, x.len()), 0, None),
        Strategy::WarmNeumann => {
            let first = richardson(&mut apply, b, x, tol, max_iter.min(NEUMANN_BUDGET));
            let Some(reason) = first.failure.filter(|_| first.iterations < max_iter) else {
                return finish(
                    &mut apply,
                    b,
                    x,
                    (LinearSolver::Neumann, first.iterations),
                    fallbacks,
                    first.contraction,
                );
            };
            if reason == FallbackReason::Diverged {
                x.copy_from_slice(&start);
            }
            let next = krylov_for(&mut apply, x.len());
            fallbacks.push(Fallback {
                from: LinearSolver::Neumann,
                to: next,
                reason,
            });
            (next, first.iterations, first.contraction)
        }
    };
    if solver == LinearSolver::ConjugateGradient && !is_symmetric(&mut apply, x.len()) {
        fallbacks.push(Fallback {
            from: solver,
            to: LinearSolver::Gmres,
            reason: FallbackReason::NotSymmetricPositive,
        });
        solver = LinearSolver::Gmres;
    }
    let attempt = run(solver, &mut apply, b, x, active, tol, max_iter - used);
    used += attempt.iterations;
    contraction = contraction.or(attempt.contraction);
    let failed = attempt
        .failure
        .filter(|_| solver != LinearSolver::Gmres && used < max_iter);
    if let Some(reason) = failed {
        if !residual(&mut apply, b, x, b_norm).is_finite() || reason == FallbackReason::Diverged {
            x.copy_from_slice(&start);
        }
        fallbacks.push(Fallback {
            from: solver,
            to: LinearSolver::Gmres,
            reason,
        });
        solver = LinearSolver::Gmres;
        used += gmres(&mut apply, b, x, tol, max_iter - used).iterations;
    }
    finish(&mut apply, b, x, (solver, used), fallbacks, contraction)
}

/// The Krylov method the warm strategy hands over to: CG if `M` is measured symmetric (it is
/// then positive definite when `A` contracts), BiCGSTAB otherwise.
pub(crate) fn krylov_for(apply: &mut impl FnMut(&[f64], &mut [f64]), n: usize) -> LinearSolver {
    if is_symmetric(apply, n) {
        LinearSolver::ConjugateGradient
    } else {
        LinearSolver::Bicgstab
    }
}

fn run(
    solver: LinearSolver,
    apply: &mut impl FnMut(&[f64], &mut [f64]),
    b: &[f64],
    x: &mut [f64],
    active: Option<&[usize]>,
    tol: f64,
    budget: usize,
) -> Attempt {
    match solver {
        LinearSolver::Neumann => richardson(apply, b, x, tol, budget),
        LinearSolver::Bicgstab => bicgstab(apply, b, x, tol, budget),
        LinearSolver::ConjugateGradient => cg(apply, b, x, tol, budget),
        LinearSolver::Gmres => gmres(apply, b, x, tol, budget),
        LinearSolver::Dense => dense(apply, b, x, active),
    }
}

fn finish(
    apply: &mut impl FnMut(&[f64], &mut [f64]),
    b: &[f64],
    x: &[f64],
    (solver, iterations): (LinearSolver, usize),
    fallbacks: Vec<Fallback>,
    contraction: Option<f64>,
) -> Result<LinearReport, BilevelError> {
    let relative_residual = residual(apply, b, x, norm(b));
    if !relative_residual.is_finite() {
        return Err(BilevelError::NotConverged {
            what: "the linear system of implicit differentiation (breakdown)",
            residual: relative_residual,
        });
    }
    Ok(LinearReport {
        iterations,
        relative_residual,
        solver,
        fallbacks,
        contraction,
    })
}

/// `‖b − Mx‖ / ‖b‖` (absolute if `b = 0`).
fn residual(apply: &mut impl FnMut(&[f64], &mut [f64]), b: &[f64], x: &[f64], b_norm: f64) -> f64 {
    let mut r = vec![0.0; b.len()];
    residual_into(apply, b, x, &mut r);
    relative(norm(&r), b_norm)
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

/// Whether `M` is symmetric, probed on two fixed incommensurate vectors (`uⱼ = sin(1.3j + 0.7)`,
/// `vⱼ = cos(2.1j + 0.3)`, so no skew part cancels by accident):
/// `|uᵀMv − vᵀMu| ≤ 1e-8·(‖u‖‖Mv‖ + ‖v‖‖Mu‖)` (the products of a symmetric map agree to
/// rounding).
pub(crate) fn is_symmetric(apply: &mut impl FnMut(&[f64], &mut [f64]), n: usize) -> bool {
    let u: Vec<f64> = (0..n).map(|j| (1.3 * j as f64 + 0.7).sin()).collect();
    let v: Vec<f64> = (0..n).map(|j| (2.1 * j as f64 + 0.3).cos()).collect();
    let (mut mu, mut mv) = (vec![0.0; n], vec![0.0; n]);
    apply(&u, &mut mu);
    apply(&v, &mut mv);
    let scale = norm(&u) * norm(&mv) + norm(&v) * norm(&mu);
    (dot(&u, &mv) - dot(&v, &mu)).abs() <= 1e-8 * scale
}

/// Richardson iteration `x ← x + (b − Mx)`: for `M = I − A` it is the Neumann series
/// `x ← Ax + b`, the recursion of FPAD and implicit-forward. Stops on the true relative
/// residual; a residual that grows 10⁶-fold or turns non-finite is a divergence. The rate of
/// the residuals over the last steps ([`rate`](crate::linalg::rate)) estimates `ρ(A)`.
fn richardson(
    apply: &mut impl FnMut(&[f64], &mut [f64]),
    b: &[f64],
    x: &mut [f64],
    tol: f64,
    max_iter: usize,
) -> Attempt {
    let b_norm = norm(b);
    let mut r = vec![0.0; b.len()];
    let mut norms: Vec<f64> = Vec::new();
    let mut iterations = 0;
    let failure = loop {
        residual_into(apply, b, x, &mut r);
        let r_norm = norm(&r);
        norms.push(r_norm);
        let rel = relative(r_norm, b_norm);
        if !rel.is_finite() || r_norm > 1e6 * norms[0].max(f64::MIN_POSITIVE) {
            break Some(FallbackReason::Diverged);
        }
        if rel <= tol {
            break None;
        }
        if iterations == max_iter {
            break Some(FallbackReason::Stagnated);
        }
        x.iter_mut().zip(&r).for_each(|(x, r)| *x += r);
        iterations += 1;
    };
    let contraction = crate::linalg::rate(&norms);
    Attempt {
        iterations,
        failure,
        contraction,
    }
}

/// Forms `M` on the active unknowns (one product per column) and solves by LU with partial
/// pivoting; the other unknowns are 0 (`M` is the identity there and `b` vanishes).
fn dense(
    apply: &mut impl FnMut(&[f64], &mut [f64]),
    b: &[f64],
    x: &mut [f64],
    active: Option<&[usize]>,
) -> Attempt {
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
    let singular = !lu_solve(&mut a, k, &mut rhs);
    if !singular {
        x.iter_mut().for_each(|v| *v = 0.0);
        active.iter().zip(&rhs).for_each(|(&i, &v)| x[i] = v);
    }
    Attempt {
        iterations: k,
        failure: singular.then_some(FallbackReason::Singular),
        contraction: None,
    }
}

/// Gaussian elimination with partial pivoting on the row-major `k×k` matrix `a`, in place;
/// the solution overwrites `rhs`. `false` if a pivot vanishes (singular to working precision)
/// or the solution is not finite.
fn lu_solve(a: &mut [f64], k: usize, rhs: &mut [f64]) -> bool {
    let scale = a.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    for col in 0..k {
        let pivot = (col..k).max_by(|&i, &j| a[i * k + col].abs().total_cmp(&a[j * k + col].abs()));
        let Some(pivot) = pivot else { return false };
        if a[pivot * k + col].abs() <= 1e-14 * scale {
            return false;
        }
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
    rhs.iter().all(|v| v.is_finite())
}

/// Conjugate gradient from the initial guess in `x`; `pᵀMp ≤ 0` (not positive definite) stops
/// with a failure.
fn cg(
    apply: &mut impl FnMut(&[f64], &mut [f64]),
    b: &[f64],
    x: &mut [f64],
    tol: f64,
    max_iter: usize,
) -> Attempt {
    let n = b.len();
    let b_norm = norm(b);
    let mut r = vec![0.0; n];
    residual_into(apply, b, x, &mut r);
    let mut p = r.clone();
    let mut mp = vec![0.0; n];
    let mut rr = dot(&r, &r);
    let mut iterations = 0;
    while relative(rr.sqrt(), b_norm) > tol && iterations < max_iter {
        apply(&p, &mut mp);
        iterations += 1;
        let curvature = dot(&p, &mp);
        if curvature.is_nan() || curvature <= 0.0 {
            return fail(iterations, FallbackReason::NotSymmetricPositive);
        }
        let step = rr / curvature;
        x.iter_mut().zip(&p).for_each(|(x, p)| *x += step * p);
        r.iter_mut().zip(&mp).for_each(|(r, q)| *r -= step * q);
        let rr_next = dot(&r, &r);
        let beta = rr_next / rr;
        rr = rr_next;
        p.iter_mut().zip(&r).for_each(|(p, r)| *p = r + beta * *p);
    }
    done(iterations, relative(rr.sqrt(), b_norm) <= tol)
}

/// BiCGSTAB (van der Vorst) from the initial guess in `x`.
fn bicgstab(
    apply: &mut impl FnMut(&[f64], &mut [f64]),
    b: &[f64],
    x: &mut [f64],
    tol: f64,
    max_iter: usize,
) -> Attempt {
    let n = b.len();
    let b_norm = norm(b);
    if b_norm == 0.0 {
        x.iter_mut().for_each(|v| *v = 0.0);
        return done(0, true);
    }
    let mut r = vec![0.0; n];
    residual_into(apply, b, x, &mut r);
    let r_hat = r.clone();
    let (mut rho, mut alpha, mut omega) = (1.0, 1.0, 1.0);
    let (mut v, mut p, mut s, mut t) = (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let mut iterations = 0;
    while norm(&r) > tol * b_norm {
        if iterations >= max_iter {
            return fail(iterations, FallbackReason::Stagnated);
        }
        iterations += 1;
        let rho_next = dot(&r_hat, &r);
        if rho_next == 0.0 || omega == 0.0 || !rho_next.is_finite() {
            return fail(iterations, FallbackReason::Breakdown);
        }
        let beta = (rho_next / rho) * (alpha / omega);
        rho = rho_next;
        for i in 0..n {
            p[i] = r[i] + beta * (p[i] - omega * v[i]);
        }
        apply(&p, &mut v);
        let denominator = dot(&r_hat, &v);
        if denominator == 0.0 || !denominator.is_finite() {
            return fail(iterations, FallbackReason::Breakdown);
        }
        alpha = rho / denominator;
        for i in 0..n {
            s[i] = r[i] - alpha * v[i];
        }
        if norm(&s) <= tol * b_norm {
            x.iter_mut().zip(&p).for_each(|(x, p)| *x += alpha * p);
            return done(iterations, true);
        }
        apply(&s, &mut t);
        let tt = dot(&t, &t);
        omega = if tt > 0.0 { dot(&t, &s) / tt } else { 0.0 };
        for i in 0..n {
            x[i] += alpha * p[i] + omega * s[i];
            r[i] = s[i] - omega * t[i];
        }
        if !norm(&r).is_finite() {
            return fail(iterations, FallbackReason::Diverged);
        }
    }
    done(iterations, true)
}

/// Restart length of [`gmres`].
const RESTART: usize = 50;

/// Restarted GMRES(50) from the initial guess in `x`: Arnoldi with modified Gram–Schmidt and
/// Givens rotations; it minimizes the residual over the Krylov space, so it never breaks down
/// on a non-singular `M` (a happy breakdown is the exact solution).
fn gmres(
    apply: &mut impl FnMut(&[f64], &mut [f64]),
    b: &[f64],
    x: &mut [f64],
    tol: f64,
    max_iter: usize,
) -> Attempt {
    let n = b.len();
    let b_norm = norm(b);
    let target = tol * if b_norm > 0.0 { b_norm } else { 1.0 };
    let m = RESTART.min(n.max(1));
    let mut iterations = 0;
    let mut r = vec![0.0; n];
    loop {
        residual_into(apply, b, x, &mut r);
        let beta = norm(&r);
        if beta <= target {
            return done(iterations, true);
        }
        if iterations >= max_iter || !beta.is_finite() {
            return fail(iterations, FallbackReason::Stagnated);
        }
        let mut basis: Vec<Vec<f64>> = vec![r.iter().map(|v| v / beta).collect()];
        let mut h = vec![vec![0.0; m]; m + 1]; // h[i][j], column j of the Hessenberg matrix
        let (mut cs, mut sn) = (vec![0.0; m], vec![0.0; m]);
        let mut g = vec![0.0; m + 1];
        g[0] = beta;
        let mut k = 0;
        while k < m && iterations < max_iter {
            let mut w = vec![0.0; n];
            apply(&basis[k], &mut w);
            iterations += 1;
            for (i, q) in basis.iter().enumerate() {
                h[i][k] = dot(&w, q);
                w.iter_mut().zip(q).for_each(|(w, q)| *w -= h[i][k] * q);
            }
            h[k + 1][k] = norm(&w);
            for i in 0..k {
                let (a, c) = (h[i][k], h[i + 1][k]);
                h[i][k] = cs[i] * a + sn[i] * c;
                h[i + 1][k] = -sn[i] * a + cs[i] * c;
            }
            let (a, c) = (h[k][k], h[k + 1][k]);
            let d = a.hypot(c);
            (cs[k], sn[k]) = if d > 0.0 { (a / d, c / d) } else { (1.0, 0.0) };
            h[k][k] = d;
            h[k + 1][k] = 0.0;
            g[k + 1] = -sn[k] * g[k];
            g[k] *= cs[k];
            let happy = d == 0.0 || norm(&w) == 0.0;
            if !happy {
                let w_norm = norm(&w);
                basis.push(w.iter().map(|v| v / w_norm).collect());
            }
            k += 1;
            if g[k].abs() <= target || happy {
                break;
            }
        }
        // Back substitution H y = g on the k×k triangle, then x ← x + V y.
        let mut y = vec![0.0; k];
        for i in (0..k).rev() {
            let s: f64 = (i + 1..k).map(|j| h[i][j] * y[j]).sum();
            y[i] = if h[i][i] != 0.0 {
                (g[i] - s) / h[i][i]
            } else {
                0.0
            };
        }
        for (yj, q) in y.iter().zip(&basis) {
            x.iter_mut().zip(q).for_each(|(x, q)| *x += yj * q);
        }
    }
}

fn done(iterations: usize, converged: bool) -> Attempt {
    Attempt {
        iterations,
        failure: (!converged).then_some(FallbackReason::Stagnated),
        contraction: None,
    }
}

fn fail(iterations: usize, reason: FallbackReason) -> Attempt {
    Attempt {
        iterations,
        failure: Some(reason),
        contraction: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(a: &'static [[f64; 3]; 3]) -> impl FnMut(&[f64], &mut [f64]) {
        move |v: &[f64], out: &mut [f64]| {
            for (row, o) in a.iter().zip(out.iter_mut()) {
                *o = dot(row, v);
            }
        }
    }

    #[test]
    fn every_solver_solves_a_nonsymmetric_system() {
        // M = [[4, 1, 0], [2, 5, 1], [0, 1, 3]], x = (1, −2, 3) ⇒ b = M x.
        static M: [[f64; 3]; 3] = [[4.0, 1.0, 0.0], [2.0, 5.0, 1.0], [0.0, 1.0, 3.0]];
        let b = [2.0, -5.0, 7.0];
        for solver in [
            LinearSolver::Bicgstab,
            LinearSolver::Dense,
            LinearSolver::Gmres,
        ] {
            let mut x = [0.0; 3];
            let rep = solve(
                Strategy::Fixed(solver),
                matrix(&M),
                &b,
                &mut x,
                None,
                1e-14,
                50,
            )
            .unwrap();
            assert!(rep.relative_residual <= 1e-14, "{solver:?}: {rep:?}");
            assert!(rep.fallbacks.is_empty(), "{solver:?}: {rep:?}");
            for (xi, ei) in x.iter().zip([1.0, -2.0, 3.0]) {
                assert!((xi - ei).abs() < 1e-12, "{solver:?}");
            }
        }
    }

    #[test]
    fn cg_on_a_nonsymmetric_system_is_detected_and_handed_to_gmres() {
        static M: [[f64; 3]; 3] = [[4.0, 1.0, 0.0], [2.0, 5.0, 1.0], [0.0, 1.0, 3.0]];
        let b = [2.0, -5.0, 7.0];
        let mut x = [0.0; 3];
        let strategy = Strategy::Fixed(LinearSolver::ConjugateGradient);
        let rep = solve(strategy, matrix(&M), &b, &mut x, None, 1e-14, 50).unwrap();
        assert_eq!(rep.solver, LinearSolver::Gmres);
        assert_eq!(
            rep.fallbacks,
            vec![Fallback {
                from: LinearSolver::ConjugateGradient,
                to: LinearSolver::Gmres,
                reason: FallbackReason::NotSymmetricPositive
            }]
        );
        assert!(rep.relative_residual <= 1e-14);
    }

    #[test]
    fn cg_solves_a_symmetric_positive_definite_system() {
        static M: [[f64; 3]; 3] = [[4.0, 1.0, 0.0], [1.0, 5.0, 1.0], [0.0, 1.0, 3.0]];
        let b = [1.0, 2.0, 3.0];
        let mut x = [0.0; 3];
        let strategy = Strategy::Fixed(LinearSolver::ConjugateGradient);
        let rep = solve(strategy, matrix(&M), &b, &mut x, None, 1e-14, 50).unwrap();
        assert_eq!(
            (rep.solver, rep.fallbacks.len()),
            (LinearSolver::ConjugateGradient, 0)
        );
        assert!(rep.relative_residual <= 1e-14);
    }

    #[test]
    fn a_slow_neumann_series_hands_over_to_a_krylov_method() {
        // M = I − A with A = diag(0.999, 0.5, 0.99): Richardson contracts at 0.999 per step,
        // so after its 100 steps the residual is still ≈ 0.9 of the start; M is symmetric, so
        // CG then solves the 3 × 3 system in at most 3 more products. The measured contraction
        // lies between the two slowest eigenvalues (0.99 and 0.999): after 100 steps the
        // residual is still a mix of both (0.99¹⁰⁰ ≈ 0.37 against 0.999¹⁰⁰ ≈ 0.90).
        static M: [[f64; 3]; 3] = [[0.001, 0.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.0, 0.01]];
        let b = [1.0, 1.0, 1.0];
        let mut x = [0.0; 3];
        let rep = solve(
            Strategy::WarmNeumann,
            matrix(&M),
            &b,
            &mut x,
            None,
            1e-12,
            10_000,
        )
        .unwrap();
        assert!(rep.relative_residual <= 1e-12, "{rep:?}");
        assert!(rep.iterations <= NEUMANN_BUDGET + 5, "{rep:?}");
        assert_eq!(rep.solver, LinearSolver::ConjugateGradient);
        assert!(
            (0.99..=0.999).contains(&rep.contraction.unwrap()),
            "{rep:?}"
        );
        // From a converged warm start no product beyond the residual check is spent.
        let rep = solve(
            Strategy::WarmNeumann,
            matrix(&M),
            &b,
            &mut x,
            None,
            1e-10,
            10_000,
        )
        .unwrap();
        assert_eq!(rep.iterations, 0);
    }

    #[test]
    fn a_breakdown_falls_back_to_gmres() {
        // M = [[0, 1], [1, 0]] ⊕ 1 with b = e₁: BiCGSTAB's shadow residual r̂ = b makes
        // r̂ᵀMp = 0 at the first step (a breakdown); GMRES solves it (x = e₂).
        static M: [[f64; 3]; 3] = [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]];
        let b = [1.0, 0.0, 0.0];
        let mut x = [0.0; 3];
        let strategy = Strategy::Fixed(LinearSolver::Bicgstab);
        let rep = solve(strategy, matrix(&M), &b, &mut x, None, 1e-14, 50).unwrap();
        assert_eq!(rep.solver, LinearSolver::Gmres);
        assert_eq!(rep.fallbacks[0].reason, FallbackReason::Breakdown);
        assert!(rep.relative_residual <= 1e-14 && (x[1] - 1.0).abs() < 1e-14);
    }

    #[test]
    fn a_singular_system_is_an_error_not_a_number() {
        static M: [[f64; 3]; 3] = [[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
        let b = [1.0, -1.0, 0.0];
        let mut x = [0.0; 3];
        let rep = solve(
            Strategy::Fixed(LinearSolver::Dense),
            matrix(&M),
            &b,
            &mut x,
            None,
            1e-12,
            50,
        )
        .unwrap();
        // No solution exists: the fallback runs and the residual stays at its least-squares
        // floor, far above the tolerance — reported, never hidden.
        assert_eq!(rep.fallbacks[0].reason, FallbackReason::Singular);
        assert!(rep.relative_residual > 0.5, "{rep:?}");
    }
}
