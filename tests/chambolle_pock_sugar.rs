//! Seed 000's test case: total-variation deblurring of a 16 × 16 image by Chambolle–Pock, whose
//! state holds the image and the dual variables (4 × 256 entries), differentiated through
//! `hypergradient` for the oracle risk and through FDMC-SURE (SUGAR), by forward unrolling,
//! FPAD and implicit differentiation, against central finite differences.

use hypergrad::ad::Scalar;
use hypergrad::bilevel::outer::HyperObjective;
use hypergrad::bilevel::{
    hypergradient, BilevelError, Criterion, FdmcSure, FpadMode, LinearSolver, Method, Options,
    Perturbation,
};
use hypergrad::optim::solvers::{ChambollePock, ChambollePockStep, TvNorm, TvProblem};
use hypergrad::optim::tv::{Grid, Kernel};
use hypergrad::optim::Design;
use ndarray::{Array1, Array2};
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};

const SIDE: usize = 16;
const SIGMA: f64 = 0.05;

/// The squared error to the true image, reading the image (the leading 256 entries of the
/// state): the oracle risk.
struct Oracle(Vec<f64>);

impl Criterion for Oracle {
    fn dim_x(&self) -> usize {
        self.0.len()
    }
    fn value<S: Scalar>(&self, x: &[S], _theta: &[S]) -> S {
        x.iter()
            .zip(&self.0)
            .map(|(&a, &b)| (a - S::from_f64(b)) * (a - S::from_f64(b)))
            .sum()
    }
}

fn grid() -> Grid {
    Grid {
        height: SIDE,
        width: SIDE,
    }
}

fn blur() -> Kernel {
    Kernel::new(vec![0.05, 0.1, 0.05, 0.1, 0.4, 0.1, 0.05, 0.1, 0.05], 3, 3).unwrap()
}

/// A piecewise-constant image (two squares), blurred, with seeded Gaussian noise.
fn observation() -> (Vec<f64>, Vec<f64>) {
    let truth: Vec<f64> = (0..SIDE * SIDE)
        .map(|k| {
            let (i, j) = (k / SIDE, k % SIDE);
            let a = (3..9).contains(&i) && (2..10).contains(&j);
            let b = (8..14).contains(&i) && (7..13).contains(&j);
            f64::from(u8::from(a)) + 0.5 * f64::from(u8::from(b))
        })
        .collect();
    let mut blurred = vec![0.0; truth.len()];
    blur().apply(grid(), &truth, false, &mut blurred);
    let mut rng = rand::rngs::StdRng::seed_from_u64(0);
    let noise = Normal::new(0.0, SIGMA).unwrap();
    let y = blurred.iter().map(|v| v + noise.sample(&mut rng)).collect();
    (truth, y)
}

fn deblurring(y: &[f64]) -> Result<ChambollePockStep, BilevelError> {
    let problem = TvProblem::new(grid(), y.to_vec(), Some(blur()), TvNorm::Anisotropic)?;
    Ok(ChambollePock::default().map(&problem)?)
}

/// The blur as a dense matrix (column j = K eⱼ): the design of the SURE prediction `Kx`.
fn blur_matrix() -> Design {
    let n = SIDE * SIDE;
    let mut k = Array2::zeros((n, n));
    let (mut e, mut column) = (vec![0.0; n], vec![0.0; n]);
    for j in 0..n {
        e[j] = 1.0;
        blur().apply(grid(), &e, false, &mut column);
        e[j] = 0.0;
        k.column_mut(j).assign(&Array1::from(column.clone()));
    }
    Design::dense(k).unwrap()
}

fn options() -> Options {
    Options {
        inner_tol: 1e-12,
        jacobian_tol: 1e-10,
        inner_max_iter: 200_000,
        jacobian_max_iter: 200_000,
    }
}

fn methods() -> [Method; 4] {
    [
        Method::ForwardUnrolled,
        Method::Fpad {
            mode: FpadMode::Forward,
        },
        Method::Implicit {
            linear_solver: LinearSolver::Bicgstab,
        },
        Method::Auto,
    ]
}

/// Tolerance: the inner solve stops at a state step of 1e-12 (relative), so h(λ) is known to
/// about 1e-10 relative (κ ≈ 10² for this contraction) and its central difference at δ = 1e-4
/// to ~1e-6 of the gradient, plus the truncation δ²h'''/6 ≈ 1e-8; 1e-4 relative is well above
/// both and far below the difference between methods that drop a term (> 1e-2).
const TOL: f64 = 1e-4;

#[test]
fn oracle_risk_hypergradients_match_finite_differences() {
    let (truth, y) = observation();
    let cp = deblurring(&y).unwrap();
    let oracle = Oracle(truth);
    let lambda = [0.02_f64.ln()];
    let value = |t: f64| {
        hypergradient(&cp, &oracle, &[t], &Method::OneStep, &options())
            .unwrap()
            .value
    };
    let delta = 1e-4;
    let fd = (value(lambda[0] + delta) - value(lambda[0] - delta)) / (2.0 * delta);
    for method in methods() {
        let h = hypergradient(&cp, &oracle, &lambda, &method, &options()).unwrap();
        let g = h.grad[0];
        assert!(
            (g - fd).abs() <= TOL * fd.abs(),
            "{method:?}: {g} vs fd {fd}; {:?}",
            h.diagnostics
        );
        assert!(
            h.diagnostics.error_estimate < TOL,
            "{method:?}: {:?}",
            h.diagnostics
        );
    }
}

#[test]
fn sugar_matches_finite_differences_of_fdmc_sure() {
    let (_, y) = observation();
    let n = y.len();
    let perturbation = Perturbation::gaussian(n, SIGMA, 1).unwrap();
    let lambda = [0.02_f64.ln()];
    for method in methods() {
        let mut sure = FdmcSure::new(
            blur_matrix(),
            ndarray::ArrayView1::from(&y),
            SIGMA,
            &perturbation,
            |target| deblurring(target.as_slice().unwrap()),
            method,
            options(),
        )
        .unwrap();
        let delta = 1e-4;
        let mut value = |t: f64| sure.value(&[t], options().inner_tol).unwrap().value;
        let fd = (value(lambda[0] + delta) - value(lambda[0] - delta)) / (2.0 * delta);
        let g = sure.evaluate(&lambda, options().inner_tol).unwrap().grad[0];
        assert!(
            (g - fd).abs() <= TOL * fd.abs(),
            "{method:?}: SUGAR {g} vs fd {fd}"
        );
    }
}
