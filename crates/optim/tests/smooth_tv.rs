//! Chambolle–Pock TV denoising and deblurring against the exact 1-D TV prox, duality gaps and
//! optimality, its iteration map against the solver, and input validation.

mod smooth_common;

use hypergrad_ad::nonsmooth::prox_tv1d;
use hypergrad_ad::Dual;
use hypergrad_optim::solvers::{ChambollePock, TvNorm, TvProblem};
use hypergrad_optim::tv::{Grid, Kernel};
use hypergrad_optim::{FixedPointMap, OptimError, SolverParams};
use smooth_common::{max_abs_diff, uniform};

fn params(tol: f64, max_iter: usize) -> SolverParams {
    SolverParams {
        max_iter,
        tol,
        record_history: false,
    }
}

/// Piecewise-constant 30-sample signal (levels 0, 2, −1) plus seeded noise of amplitude 0.3.
fn noisy_steps() -> Vec<f64> {
    let mut s = 5_u64;
    (0..30)
        .map(|i| [0.0, 2.0, -1.0][i / 10] + 0.3 * uniform(&mut s))
        .collect()
}

#[test]
fn one_dimensional_denoising_matches_the_exact_tv_prox() {
    let y = noisy_steps();
    let lambda: f64 = 0.5;
    let mut exact = vec![0.0; 30];
    prox_tv1d(&y, lambda, &mut exact);
    // The same signal as a row and as a column, both TV norms (identical in 1-D).
    for grid in [
        Grid::signal(30),
        Grid {
            height: 30,
            width: 1,
        },
    ] {
        for norm in [TvNorm::Anisotropic, TvNorm::Isotropic] {
            let pb = TvProblem::new(grid, y.clone(), None, norm).unwrap();
            let sol = ChambollePock::default()
                .solve(&pb, &[lambda.ln()], None, &params(1e-11, 200_000))
                .unwrap();
            assert!(sol.report.converged(), "{:?}", sol.report);
            // The primal is 1-strongly convex, so ‖x − x*‖² ≤ 2(P(x) − P*) ≤ 2·gap: the gap
            // certificate bounds the distance to the exact prox (plus rounding of O(1) values).
            let gap = sol.report.duality_gap.unwrap();
            assert!((-1e-12..1e-10).contains(&gap), "gap {gap}");
            let err = max_abs_diff(&sol.x, &exact);
            assert!(
                err <= (2.0 * gap.max(0.0)).sqrt() + 1e-12,
                "{grid:?} {norm:?}: {err} vs gap {gap}"
            );
        }
    }
}

#[test]
fn two_dimensional_denoising_closes_the_duality_gap() {
    let mut s = 9_u64;
    let grid = Grid {
        height: 8,
        width: 8,
    };
    // A bright square on a dark background plus noise.
    let y: Vec<f64> = (0..64)
        .map(|k| {
            let (i, j) = (k / 8, k % 8);
            let square = if (2..6).contains(&i) && (2..6).contains(&j) {
                1.0
            } else {
                0.0
            };
            square + 0.2 * uniform(&mut s)
        })
        .collect();
    let mut solutions = Vec::new();
    for norm in [TvNorm::Anisotropic, TvNorm::Isotropic] {
        let pb = TvProblem::new(grid, y.clone(), None, norm).unwrap();
        let sol = ChambollePock::default()
            .solve(&pb, &[(0.2_f64).ln()], None, &params(1e-10, 100_000))
            .unwrap();
        assert!(sol.report.converged());
        // The gap certifies optimality: P(x) − P* ≤ gap, and ‖x − x*‖ ≤ √(2·gap).
        let gap = sol.report.duality_gap.unwrap();
        assert!((-1e-12..1e-9).contains(&gap), "{norm:?}: gap {gap}");
        solutions.push(sol.x);
    }
    // The two TV norms give different images on a 2-D picture.
    assert!(max_abs_diff(&solutions[0], &solutions[1]) > 1e-3);
}

#[test]
fn deblurring_with_the_identity_kernel_is_denoising_and_a_blur_is_optimal() {
    let y = noisy_steps();
    let theta = [(0.5_f64).ln()];
    let grid = Grid::signal(30);
    let p = params(1e-10, 500_000);
    let denoise = TvProblem::new(grid, y.clone(), None, TvNorm::Anisotropic).unwrap();
    let identity = Kernel::new(vec![1.0], 1, 1).unwrap();
    let as_blur = TvProblem::new(grid, y.clone(), Some(identity), TvNorm::Anisotropic).unwrap();
    let a = ChambollePock::default()
        .solve(&denoise, &theta, None, &p)
        .unwrap();
    let b = ChambollePock::default()
        .solve(&as_blur, &theta, None, &p)
        .unwrap();
    assert!(b.report.converged() && b.report.duality_gap.is_none());
    // Both within ~1e-7 of the same minimiser (state residual 1e-10, τσ‖A‖² ≈ 0.98).
    assert!(max_abs_diff(&a.x, &b.x) < 1e-6);

    let blur = Kernel::new(vec![0.25, 0.5, 0.25], 1, 3).unwrap();
    let pb = TvProblem::new(grid, y, Some(blur), TvNorm::Anisotropic).unwrap();
    let sol = ChambollePock::default()
        .solve(&pb, &theta, None, &p)
        .unwrap();
    assert!(sol.report.converged(), "{:?}", sol.report);
    // No seeded perturbation of size 1e-3 lowers the convex objective (a non-optimal point
    // loses to a descent direction by ≈1e-3·‖subgradient gap‖ ≫ 1e-9).
    let base = pb.objective(&sol.x, 0.5);
    let mut s = 77_u64;
    for _ in 0..200 {
        let z: Vec<f64> = sol.x.iter().map(|v| v + 1e-3 * uniform(&mut s)).collect();
        assert!(pb.objective(&z, 0.5) >= base - 1e-9);
    }
}

#[test]
fn the_iteration_map_matches_the_solver_and_carries_the_lambda_tangent() {
    let y = noisy_steps();
    let blur = Kernel::new(vec![0.25, 0.5, 0.25], 1, 3).unwrap();
    let pb = TvProblem::new(Grid::signal(30), y, Some(blur), TvNorm::Isotropic).unwrap();
    let cp = ChambollePock::default();
    let map = cp.map(&pb).unwrap();
    let theta = (0.5_f64).ln();
    let mut z = vec![0.0; pb.state_len()];
    let mut out = z.clone();
    for _ in 0..3 {
        map.apply(&z, &[theta], &mut out);
        z.copy_from_slice(&out);
    }
    let sol = cp.solve(&pb, &[theta], None, &params(1e-30, 3)).unwrap();
    assert_eq!(sol.x, z[..30].to_vec());
    // dT/dθ at a mid-run state by Dual vs central differences (T is piecewise smooth; h = 1e-6
    // stays inside one piece here: error O(h²) plus rounding 1e-16/h).
    let zd: Vec<Dual<f64>> = z.iter().map(|&v| Dual::constant(v)).collect();
    let mut od = vec![Dual::constant(0.0); z.len()];
    map.apply(&zd, &[Dual::variable(theta)], &mut od);
    let h = 1e-6;
    let (mut plus, mut minus) = (vec![0.0; z.len()], vec![0.0; z.len()]);
    map.apply(&z, &[theta + h], &mut plus);
    map.apply(&z, &[theta - h], &mut minus);
    for i in 0..z.len() {
        let fd = (plus[i] - minus[i]) / (2.0 * h);
        assert!((od[i].eps - fd).abs() < 1e-8, "{i}: {} vs {fd}", od[i].eps);
    }
    assert!(od.iter().any(|o| o.eps != 0.0));
}

#[test]
fn tv_input_errors_are_typed() {
    let y = vec![0.0; 6];
    let short = TvProblem::new(Grid::signal(5), y.clone(), None, TvNorm::Anisotropic);
    assert!(matches!(
        short,
        Err(OptimError::ShapeMismatch { what: "y", .. })
    ));
    assert!(matches!(
        Kernel::new(vec![1.0, 1.0], 1, 2),
        Err(OptimError::InvalidParameter {
            name: "kernel_width",
            ..
        })
    ));
    let pb = TvProblem::new(Grid::signal(6), y, None, TvNorm::Anisotropic).unwrap();
    let bad_step = ChambollePock {
        steps: Some((0.0, 0.5)),
    }
    .solve(&pb, &[0.0], None, &params(1e-8, 10));
    assert!(matches!(
        bad_step,
        Err(OptimError::InvalidParameter { name: "tau", .. })
    ));
    let theta = ChambollePock::default().solve(&pb, &[], None, &params(1e-8, 10));
    assert!(matches!(
        theta,
        Err(OptimError::ShapeMismatch { what: "theta", .. })
    ));
}
