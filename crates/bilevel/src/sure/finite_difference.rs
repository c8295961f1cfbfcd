//! [`FdmcSure`]: finite-difference Monte-Carlo SURE and its hypergradient, SUGAR.

use super::check_sigma;
use super::term::SureTerm;
use crate::outer::{combined_estimate, HyperEval, HyperObjective};
use crate::{hypergradient_warm, value_warm, BilevelError, Method, Options, WarmStart};
use hypergrad_optim::{Design, FixedPointMap, LeastSquares};
use ndarray::{Array1, ArrayView1};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

/// The Monte-Carlo direction `z ~ N(0, Iₙ)` and the finite-difference step `δ` of FDMC-SURE.
#[derive(Clone, Debug, PartialEq)]
pub struct Perturbation {
    /// The direction, one entry per sample.
    pub z: Vec<f64>,
    /// The step.
    pub delta: f64,
}

impl Perturbation {
    /// `z` drawn from `N(0, Iₙ)` with `seed`, and `δ = 2σ / n^0.3` (Deledalle et al. 2014: small
    /// enough for the bias, not so small that the two solves' difference is rounding noise).
    pub fn gaussian(n: usize, sigma: f64, seed: u64) -> Result<Self, BilevelError> {
        let sigma = check_sigma(sigma)?;
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        Ok(Self {
            z: (0..n).map(|_| StandardNormal.sample(&mut rng)).collect(),
            delta: 2.0 * sigma / (n.max(1) as f64).powf(0.3),
        })
    }

    /// The same direction with step `delta > 0`.
    pub fn with_delta(self, delta: f64) -> Result<Self, BilevelError> {
        if delta > 0.0 && delta.is_finite() {
            Ok(Self { delta, ..self })
        } else {
            Err(BilevelError::InvalidParameter {
                name: "delta",
                value: delta,
                reason: "the finite-difference step must be positive and finite",
            })
        }
    }

    /// `y + δz`.
    pub fn perturb(&self, y: ArrayView1<'_, f64>) -> Result<Array1<f64>, BilevelError> {
        if y.len() != self.z.len() {
            return Err(BilevelError::ShapeMismatch {
                what: "perturbation direction z",
                expected: y.len(),
                got: self.z.len(),
            });
        }
        Ok(&y + &(ArrayView1::from(&self.z[..]).to_owned() * self.delta))
    }
}

/// Finite-difference Monte-Carlo SURE as an outer objective of `λ = log α`:
///
/// `SURE_FDMC(λ) = ‖y − μ̂(y)‖² − nσ² + (2σ²/δ)⟨μ̂(y + δz) − μ̂(y), z⟩`, `μ̂ = Xβ̂_λ`.
///
/// It splits as `C₀(β̂(y)) + C₁(β̂(y + δz))` with `C₀(b) = ‖y − Xb‖² − nσ² − (2σ²/δ)⟨Xb, z⟩` and
/// `C₁(b) = (2σ²/δ)⟨Xb, z⟩`, so its gradient, SUGAR (Deledalle et al. 2014), is the sum of two
/// ordinary hypergradients by any [`Method`], one through each solve; the two run in parallel
/// and each is warm-started from its previous outer step.
pub struct FdmcSure<P> {
    problems: [P; 2],
    terms: [SureTerm; 2],
    warm: [WarmStart; 2],
    method: Method,
    options: Options,
}

impl<P: FixedPointMap> FdmcSure<P> {
    /// FDMC-SURE of the model built by `make` from a target vector (called on `y` and on
    /// `y + δz`), on the design `X` it uses, with noise level `σ > 0`.
    pub fn new<E: From<BilevelError>>(
        design: Design,
        y: ArrayView1<'_, f64>,
        sigma: f64,
        perturbation: &Perturbation,
        mut make: impl FnMut(ArrayView1<'_, f64>) -> Result<P, E>,
        method: Method,
        options: Options,
    ) -> Result<Self, E> {
        let s2 = check_sigma(sigma)?.powi(2);
        let shifted = perturbation.perturb(y)?;
        let problems = [make(y)?, make(shifted.view())?];
        let (n, p) = (design.n_samples(), design.n_features());
        if problems[0].dim_x() < p {
            return Err(BilevelError::ShapeMismatch {
                what: "the model's state (coefficients first)",
                expected: p,
                got: problems[0].dim_x(),
            }
            .into());
        }
        let w: Vec<f64> = perturbation
            .z
            .iter()
            .map(|z| 2.0 * s2 / perturbation.delta * z)
            .collect();
        let mut linear = vec![0.0; p];
        design.rmatvec(&w, &mut linear);
        let fit = LeastSquares::new(design, y).map_err(BilevelError::from)?;
        let terms = [
            SureTerm::residual(fit, linear.iter().map(|v| -v).collect(), -(n as f64) * s2),
            SureTerm::linear(linear),
        ];
        Ok(Self {
            problems,
            terms,
            warm: Default::default(),
            method,
            options,
        })
    }
}

impl<P: FixedPointMap + Sync> FdmcSure<P> {
    /// Both halves in parallel: value and gradient, or (`with_gradient = false`) the value.
    fn run(
        &mut self,
        log_alpha: &[f64],
        inner_tol: f64,
        with_gradient: bool,
    ) -> Result<HyperEval, BilevelError> {
        let options = self.options.with_inner_tol(inner_tol);
        let method = self.method;
        let half = |p: &P, term: &SureTerm, warm: &mut WarmStart| {
            if with_gradient {
                let h = hypergradient_warm(p, term, log_alpha, &method, &options, warm)?;
                Ok::<_, BilevelError>(HyperEval {
                    value: h.value,
                    grad: h.grad,
                    inner_iterations: h.diagnostics.inner.iterations,
                    error_estimate: Some(h.diagnostics.error_estimate),
                    warnings: h.diagnostics.warnings,
                })
            } else {
                let (value, solution) = value_warm(p, term, log_alpha, &options, warm)?;
                Ok(HyperEval {
                    value,
                    inner_iterations: solution.report.iterations,
                    ..HyperEval::default()
                })
            }
        };
        let ([p0, p1], [w0, w1], [t0, t1]) = (&self.problems, &mut self.warm, &self.terms);
        let (a, b) = rayon::join(|| half(p0, t0, w0), || half(p1, t1, w1));
        let (a, b) = (a?, b?);
        let grad: Vec<f64> = a.grad.iter().zip(&b.grad).map(|(x, y)| x + y).collect();
        let error_estimate = if with_gradient {
            combined_estimate([(1.0, &a), (1.0, &b)], &grad)
        } else {
            None
        };
        Ok(HyperEval {
            value: a.value + b.value,
            grad,
            inner_iterations: a.inner_iterations + b.inner_iterations,
            error_estimate,
            warnings: [a.warnings, b.warnings].concat(),
        })
    }
}

impl<P: FixedPointMap + Sync> HyperObjective for FdmcSure<P> {
    fn dim(&self) -> usize {
        self.problems[0].dim_theta()
    }
    fn evaluate(&mut self, log_alpha: &[f64], inner_tol: f64) -> Result<HyperEval, BilevelError> {
        self.run(log_alpha, inner_tol, true)
    }
    /// The value only: the two solves and the criterion.
    fn value(&mut self, log_alpha: &[f64], inner_tol: f64) -> Result<HyperEval, BilevelError> {
        self.run(log_alpha, inner_tol, false)
    }
}
