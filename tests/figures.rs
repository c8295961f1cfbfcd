//! The key claim of each gallery figure (docs/gallery.md), on the examples' own problems: each
//! test is a fast variant of what its example prints and draws.

#[path = "../examples/curse_of_unrolling/problem.rs"]
mod curse;
#[path = "../examples/shared/data.rs"]
mod data;
#[path = "../examples/elastic_net_levels/problem.rs"]
mod enet;
#[path = "../examples/meeg_multitask/problem.rs"]
mod meeg;
#[path = "../examples/sugar_tv/problem.rs"]
mod sugar;
#[path = "../examples/weighted_lasso/problem.rs"]
mod wlasso;

use hypergrad::bilevel::curves::CurveOptions;
use hypergrad::bilevel::outer::HyperObjective;
use hypergrad::bilevel::Method;
use hypergrad::optim::solvers::TvNorm;

/// Seed 003: on ISTA for a Lasso whose support is identified late, the forward-unrolled
/// Jacobian error grows before the identification and then decays linearly at the contraction
/// ρ of ∂ₓT on the final support, while FPAD (at x*) decays from the first step.
#[test]
fn curse_of_unrolling_grows_then_decays_linearly() {
    let setup = &curse::FIGURE;
    let methods = [
        Method::ForwardUnrolled,
        Method::Fpad {
            mode: hypergrad::bilevel::FpadMode::Forward,
        },
    ];
    let curves = curse::curves(setup, &methods, &CurveOptions::up_to(setup.iterations)).unwrap();
    let k0 = curves.identified_at().expect("support identified");
    assert!(k0 > 50, "the support is identified late: k = {k0}");
    let forward = curves.curve(&Method::ForwardUnrolled).unwrap();
    let error = forward.jacobian_error.as_ref().unwrap();
    let before = error[..k0 - 1].iter().fold(0.0, |a: f64, &b| a.max(b));
    // Grows: the largest error before identification is at least twice the first step's.
    assert!(before > 2.0 * error[0], "{before} vs {}", error[0]);
    // Linear after: the mean rate from k0 + 20 to the end matches ρ to 1 % (the Jacobian
    // recursion on the identified support is J ← AJ + B with ‖Aᵏ‖ ~ ρᵏ; the transient of the
    // other eigenvalues is gone after 20 steps at ρ ≈ 0.94).
    let rho = curves.reference.contraction;
    let rate = forward.rate(k0 + 20, setup.iterations).unwrap();
    assert!((rate - rho).abs() <= 0.01 * rho, "rate {rate} vs ρ {rho}");
    assert!(error[setup.iterations - 1] < 1e-6 * before);
    // FPAD at x* never grows.
    let fpad = curves.curves[1].jacobian_error.as_ref().unwrap();
    assert!(fpad.windows(2).all(|w| w[1] <= w[0] * (1.0 + 1e-9)));
}

/// Seed 000: SUGAR (the gradient of FDMC-SURE through differentiated Chambolle–Pock) matches
/// central finite differences of FDMC-SURE to 1e-5 relative, on the figure's image, at a λ on
/// each side of the risk's minimum.
#[test]
fn sugar_matches_finite_differences_of_fdmc_sure() {
    let image = sugar::Deblurring::new(16, 0.05, TvNorm::Isotropic, 0);
    let options = sugar::options();
    let tol = options.inner_tol;
    let mut sure = image.sure(Method::Auto, options, 1).unwrap();
    for t in [-5.5, -3.5] {
        let eval = sure.evaluate(&[t], tol).unwrap();
        assert!(eval.warnings.is_empty(), "{:?}", eval.warnings);
        // δ = 1e-4: truncation δ²|h'''|/6 ~ 1e-9 relative; the values are known to ~1e-10
        // relative (state step 1e-12), so the rounding term is ~1e-10·|h|/δ ~ 1e-6·|h'|.
        let delta = 1e-4;
        let mut value = |t: f64| sure.value(&[t], tol).unwrap().value;
        let fd = (value(t + delta) - value(t - delta)) / (2.0 * delta);
        let rel = (eval.grad[0] - fd).abs() / fd.abs();
        assert!(
            rel <= 1e-5,
            "log λ = {t}: SUGAR {} vs FD {fd} ({rel:.1e})",
            eval.grad[0]
        );
    }
}

/// Seed 001: the weighted Lasso (one penalty per feature, by L-BFGS on the hypergradient)
/// beats the Lasso tuned on the same held-out set, on a test set neither has seen.
#[test]
fn weighted_lasso_beats_the_lasso_on_held_out_data() {
    let setup = &wlasso::FIGURE;
    let split = wlasso::split(setup, 0);
    let lasso = wlasso::lasso(&split).unwrap();
    let weighted = wlasso::weighted_lasso(&split, lasso.log_alpha[0], setup.evaluations).unwrap();
    assert!(weighted.validation < lasso.validation);
    // Measured 0.89: a 5 % margin keeps the claim meaningful without depending on the last
    // digit of an L-BFGS run.
    assert!(
        weighted.test < 0.95 * lasso.test,
        "test MSE {} vs the Lasso's {}",
        weighted.test,
        lasso.test
    );
}

/// Seed 001: on a smaller simulated recording, λ selected by L-BFGS on FDMC-SURE has a true
/// prediction risk within 25 % of the best of a 9-point grid (SURE is an unbiased estimate
/// with one Monte-Carlo direction) and finds every active source within ±2 positions.
#[test]
fn fdmc_sure_selects_a_multitask_lasso_near_the_oracle() {
    let setup = meeg::Setup {
        sensors: 30,
        sources: 90,
        times: 8,
        sigma: 0.4,
    };
    let rec = meeg::recording(&setup, 0);
    let model = rec.model().unwrap();
    let top = model.alpha_max().ln();
    let risk = |t: f64| rec.risk(&rec.estimate(&model, t).unwrap());
    let oracle = (0..9)
        .map(|i| risk(top - 2.0 * 10f64.ln() * i as f64 / 8.0))
        .fold(f64::INFINITY, f64::min);
    let mut sure = rec.sure(1).unwrap();
    let run = meeg::select(&mut sure, top).unwrap();
    let selected = run.best().log_alpha[0];
    assert!(
        risk(selected) <= 1.25 * oracle,
        "{} vs {oracle}",
        risk(selected)
    );
    let found = meeg::found(&rec.estimate(&model, selected).unwrap());
    assert!(meeg::recovered(&rec.active, &found, 2), "{found:?}");
}

/// Seed 001: gradient descent on the elastic net's held-out error reaches the 20 × 20 grid's
/// best value within 12 evaluations (measured: 9; the grid spends 400).
#[test]
fn elastic_net_descent_reaches_the_grid_optimum() {
    let setup = &enet::FIGURE;
    let landscape = enet::landscape(setup, 1).unwrap();
    let grid = landscape.grid(setup.grid).unwrap();
    let descent = landscape.descent(&landscape.start(), setup.steps).unwrap();
    assert_eq!(grid.steps.len(), setup.grid * setup.grid);
    let first = descent
        .steps
        .iter()
        .position(|s| s.value <= grid.best().value);
    assert!(matches!(first, Some(k) if k < 12), "{first:?}");
}
