//! The adjoint form of implicit differentiation and FPAD: one linear system for all
//! hyperparameters, through vector–Jacobian products of `T` recorded once on a tape.
//!
//! At the fixed point, with `A = P ∂ₓT(x*) P` (`P` the restriction to the support, if any) and
//! `g = P ∇ₓC(x*, θ)`, solve `(I − Aᵀ) v = g`; then `∇h = ∂_θC + ∂_θT(x*)ᵀ P v`. The recursion
//! `v ← Aᵀv + g` is reverse FPAD (the Neumann series); BiCGSTAB solves the same system.

use crate::linear::solve_linear;
use crate::{BilevelError, Criterion, LinearSolver, Options};
use hypergrad_ad::{reverse, Scalar, Tape, Var};
use hypergrad_optim::FixedPointMap;

/// The adjoint vector `v`, the hypergradient and the solve's iterations and relative residual.
pub(crate) struct AdjointResult {
    pub grad: Vec<f64>,
    pub adjoint: Vec<f64>,
    pub iterations: usize,
    pub residual: f64,
}

const SAME_TAPE: &str = "the variables were recorded on this tape with matching lengths";

fn restrict(mask: Option<&[bool]>, v: &mut [f64]) {
    if let Some(mask) = mask {
        v.iter_mut()
            .zip(mask)
            .filter(|(_, &m)| !m)
            .for_each(|(v, _)| *v = 0.0);
    }
}

/// The point `(x*, θ)` and the support restriction of the system.
pub(crate) struct AtFixedPoint<'a> {
    pub x: &'a [f64],
    pub theta: &'a [f64],
    pub mask: Option<&'a [bool]>,
    /// The support as a list (the same set as `mask`).
    pub active: Option<&'a [usize]>,
}

/// `∇h(θ)` at the fixed point by the adjoint form, solving `(I − Aᵀ) v = g` with `solver`
/// (Neumann: the reverse FPAD recursion). `start` warm-starts `v`.
pub(crate) fn adjoint_hypergradient<P: FixedPointMap, C: Criterion>(
    problem: &P,
    criterion: &C,
    at: &AtFixedPoint<'_>,
    solver: LinearSolver,
    start: Option<&[f64]>,
    options: &Options,
) -> Result<AdjointResult, BilevelError> {
    let (x, theta, mask, active) = (at.x, at.theta, at.mask, at.active);
    let (p, m) = (x.len(), theta.len());
    // ∇ₓC and ∂_θC by one reverse sweep of the criterion, which reads the leading c entries.
    let c = criterion.dim_x();
    let point: Vec<f64> = x[..c].iter().chain(theta).copied().collect();
    let (_, criterion_grad) = reverse::gradient(|z| criterion.value(&z[..c], &z[c..]), &point);
    let mut g = criterion_grad[..c].to_vec();
    g.resize(p, 0.0);
    restrict(mask, &mut g);
    // T(x*, θ) recorded once; each VJP is one sweep of this recording.
    let tape = Tape::new();
    let xs = tape.vars(x);
    let ts = tape.vars(theta);
    let mut out: Vec<Var<'_, f64>> = vec![Var::from_f64(0.0); p];
    match active {
        Some(support) => problem.apply_on_support(&xs, &ts, support, &mut out),
        None => problem.apply(&xs, &ts, &mut out),
    }
    let mut seeds = Vec::with_capacity(p);
    let mut vjp = |w: &[f64], x_bar: &mut [f64], theta_bar: Option<&mut [f64]>| {
        seeds.clear();
        seeds.extend(out.iter().copied().zip(w.iter().copied()));
        tape.reverse(&seeds).expect(SAME_TAPE);
        tape.adjoints_into(&xs, x_bar).expect(SAME_TAPE);
        restrict(mask, x_bar);
        if let Some(theta_bar) = theta_bar {
            tape.adjoints_into(&ts, theta_bar).expect(SAME_TAPE);
        }
    };
    let mut v = start.map_or_else(|| vec![0.0; p], <[f64]>::to_vec);
    restrict(mask, &mut v);
    // (I − Aᵀ) w, with Aᵀw = P ∂ₓT(x*)ᵀ P w.
    let apply = |w: &[f64], result: &mut [f64]| {
        let mut restricted = w.to_vec();
        restrict(mask, &mut restricted);
        vjp(&restricted, result, None);
        result.iter_mut().zip(w).for_each(|(r, w)| *r = w - *r);
    };
    let report = solve_linear(
        solver,
        apply,
        &g,
        &mut v,
        active,
        options.jacobian_tol,
        options.jacobian_max_iter,
    )?;
    restrict(mask, &mut v);
    let mut x_bar = vec![0.0; p];
    let mut theta_bar = vec![0.0; m];
    vjp(&v, &mut x_bar, Some(&mut theta_bar));
    let grad = theta_bar
        .iter()
        .zip(&criterion_grad[c..])
        .map(|(a, b)| a + b)
        .collect();
    Ok(AdjointResult {
        grad,
        adjoint: v,
        iterations: report.iterations,
        residual: report.relative_residual,
    })
}
