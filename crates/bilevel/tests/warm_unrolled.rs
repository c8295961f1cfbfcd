//! Unrolled methods from a warm start that already meets the inner tolerance: the solve takes
//! no iteration, yet the hypergradient must not collapse to zero.

use hypergrad_bilevel::{hypergradient_warm, Checkpoints, HeldOutMse, Method, Options, WarmStart};
use hypergrad_optim::data::{diabetes, standardize, train_validation_split};
use hypergrad_optim::Lasso;
use ndarray::Array1;

fn problem() -> (Lasso, HeldOutMse, f64) {
    let (mut train, mut val) = train_validation_split(&diabetes(), 1.0 / 3.0, 0).unwrap();
    standardize(&mut train, &mut val).unwrap();
    let mean = train.y.iter().sum::<f64>() / train.y.len() as f64;
    let centered = |y: &[f64]| Array1::from_iter(y.iter().map(|v| v - mean));
    let lasso = Lasso::new(train.x, centered(&train.y).view()).unwrap();
    let alpha = (lasso.alpha_max() / 10.0).ln();
    let mse = HeldOutMse::new(val.x, centered(&val.y).view()).unwrap();
    (lasso, mse, alpha)
}

#[test]
fn a_converged_warm_start_keeps_the_unrolled_gradient() {
    let options = Options {
        inner_tol: 1e-10,
        ..Options::default()
    };
    for method in [
        Method::ForwardUnrolled,
        Method::ReverseUnrolled {
            truncate: None,
            checkpoints: Checkpoints::Full,
        },
    ] {
        let (lasso, mse, theta) = problem();
        let mut warm = WarmStart::default();
        let cold =
            hypergradient_warm(&lasso, &mse, &[theta], &method, &options, &mut warm).unwrap();
        let again =
            hypergradient_warm(&lasso, &mse, &[theta], &method, &options, &mut warm).unwrap();
        assert_eq!(again.diagnostics.inner.iterations, 0, "{method:?}");
        let (g0, g1) = (cold.grad[0], again.grad[0]);
        assert!(g0.abs() > 1.0, "{method:?}: {g0}");
        match method {
            // The tangent restarts from the Jacobian of the first call and one more sweep at
            // the fixed point keeps it (a fixed point of the tangent recursion up to the
            // unrolling's own convergence, which tracks the primal tolerance 1e-10).
            Method::ForwardUnrolled => {
                assert!((g1 - g0).abs() <= 1e-6 * g0.abs(), "{g0} vs {g1}")
            }
            // Reverse mode cannot carry a Jacobian: one sweep from the fixed point gives the
            // one-step estimate ∂_θT, the right sign and order of magnitude, never 0.
            _ => assert!(g1 * g0 > 0.0 && g1.abs() > 0.1 * g0.abs(), "{g0} vs {g1}"),
        }
    }
}
