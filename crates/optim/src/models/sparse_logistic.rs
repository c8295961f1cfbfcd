//! [`SparseLogistic`]: `1/n Σᵢ log(1 + exp(−yᵢ(xᵢᵀβ + b))) + α‖β‖₁`, with or without the
//! unpenalized intercept b.

use super::sparse::{cyclic_sweeps, l1_margin, nonzeros, single_alpha};
use crate::loss::sigmoid;
use crate::solvers::sweep_logistic_l1;
use crate::{
    CoordinateDescentModel, Design, FixedPointMap, Logistic, OptimError, ProxNewton, Solution,
    SolverParams,
};
use hypergrad_ad::Scalar;
use ndarray::ArrayView1;

/// `u log u`, continued by 0 at 0.
fn xlogx(u: f64) -> f64 {
    if u > 0.0 {
        u * u.ln()
    } else {
        0.0
    }
}

/// ℓ1-penalized logistic regression `P(β) = 1/n Σᵢ log(1 + exp(−yᵢxᵢᵀβ)) + α‖β‖₁`, `α = exp(θ₀)`,
/// labels `yᵢ ∈ {−1, +1}` (scikit-learn's `LogisticRegression(penalty="l1", C = 1/(nα))`
/// with `fit_intercept=False`); [`SparseLogistic::with_intercept`] adds an unpenalized
/// intercept, `P(β, b) = 1/n Σᵢ log(1 + exp(−yᵢ(xᵢᵀβ + b))) + α‖β‖₁` (scikit-learn's default,
/// `fit_intercept=True` with the `saga` solver, which does not penalize b).
///
/// **The intercept** is the coefficient of a column of ones appended to the design
/// ([`Design::with_ones_column`]): the state is `x = [β, b]` (p + 1 entries, b last), the
/// [`loss`](Self::loss) is that of `[X 1]`, and every solver, sweep, gradient and
/// hypergradient method sees b as one more coordinate, exempt from the penalty (never
/// thresholded, always in the support). Its optimality condition is
/// `∂P/∂b = −1/n Σᵢ yᵢ σ(−yᵢzᵢ) = 0`.
///
/// Solved fastest by [`ProxNewton`](crate::ProxNewton) (Newton steps on the true curvature
/// `pᵢ(1 − pᵢ)`, the intercept inside the Newton direction), or by
/// [`CoordinateDescent`](crate::CoordinateDescent): cyclic coordinate descent on the
/// per-coordinate quadratic upper bound (curvature `L_j = ‖X_j‖²/(4n)`, `1/4` for the
/// intercept), `β_j ← st(β_j − g_j/L_j, α/L_j)` and `b ← b − g_b/L_b`. As a [`FixedPointMap`]
/// one such sweep with `θ = [log α]`, solved by proximal Newton; both solvers reach its fixed
/// point, the minimizer, and the unrolled methods differentiate the sweeps coordinate descent
/// needs from the same start.
///
/// Dual: with `z = Xβ + b`, `pᵢ = σ(−yᵢzᵢ)`, the dual variables `uᵢ ∈ [0, 1]` must satisfy
/// `‖Xᵀ(y ⊙ u)‖∞/n ≤ α` and, with an intercept, `Σᵢ yᵢuᵢ = 0`, and
/// `D(u) = −1/n Σᵢ [uᵢ log uᵢ + (1 − uᵢ) log(1 − uᵢ)]` (the conjugate of the logistic loss is
/// the negative binary entropy). The dual point is `u = c·p̃`, `c = min(1, α / (‖Xᵀ(y ⊙ p̃)‖∞/n))`,
/// where `p̃ = p` without an intercept; with one, the class whose share of `Σᵢ yᵢpᵢ` is in
/// excess is scaled down to balance it (`s = Σᵢ yᵢpᵢ > 0`: `p̃ᵢ = pᵢ(1 − s/S₊)` on the positive
/// rows, `S₊ = Σ_{yᵢ=1} pᵢ`; symmetrically for `s < 0`), which leaves every `p̃ᵢ` in `[0, 1]`
/// and vanishes at the optimal b. `gap = P − D(u) ≥ P − P*`, as in celer.
#[derive(Clone, Debug)]
pub struct SparseLogistic {
    loss: Logistic,
    lipschitz: Vec<f64>,
    /// The penalized coefficients come first: p (the intercept, if any, is the last).
    penalized: usize,
}

impl SparseLogistic {
    /// Without intercept. Checks the data (see [`Logistic::new`]).
    pub fn new(design: Design, y: ArrayView1<'_, f64>) -> Result<Self, OptimError> {
        let penalized = design.n_features();
        Ok(Self::from_loss(Logistic::new(design, y)?, penalized))
    }

    /// With an unpenalized intercept (the last of the p + 1 coefficients). Checks the data
    /// (see [`Logistic::new`]) and that both labels occur: with a single class the intercept
    /// has no finite optimum.
    pub fn with_intercept(design: Design, y: ArrayView1<'_, f64>) -> Result<Self, OptimError> {
        let penalized = design.n_features();
        let loss = Logistic::new(design.with_ones_column(), y)?;
        let first = loss.y()[0];
        if loss.y().iter().all(|&v| v == first) {
            return Err(OptimError::InvalidParameter {
                name: "y",
                value: first,
                reason: "an intercept needs both labels −1 and +1: with one class it grows \
                         without bound",
            });
        }
        Ok(Self::from_loss(loss, penalized))
    }

    fn from_loss(loss: Logistic, penalized: usize) -> Self {
        let mut lipschitz = vec![0.0; loss.n_features()];
        loss.coordinate_lipschitz(&mut lipschitz);
        Self {
            loss,
            lipschitz,
            penalized,
        }
    }

    /// The data fit (of `[X 1]` with an intercept).
    pub fn loss(&self) -> &Logistic {
        &self.loss
    }

    /// Whether the model has an intercept (the last coefficient).
    pub fn has_intercept(&self) -> bool {
        self.penalized < self.loss.n_features()
    }

    /// The number of penalized coefficients p (the features).
    pub fn n_penalized(&self) -> usize {
        self.penalized
    }

    /// `α_max = ‖Xᵀ(y − ȳ)‖∞/(2n)`, `ȳ` the mean label with an intercept (0 without): for
    /// `α ≥ α_max` the solution is `β = 0` (and `b = log(n₊/n₋)`).
    pub fn alpha_max(&self) -> f64 {
        if !self.has_intercept() {
            return self.loss.alpha_max();
        }
        let y = self.loss.y();
        let mean = y.iter().sum::<f64>() / y.len() as f64;
        let centered: Vec<f64> = y.iter().map(|v| v - mean).collect();
        let design = self.loss.design();
        (0..self.penalized)
            .map(|j| design.col_dot(j, &centered).abs())
            .fold(0.0, f64::max)
            / (2.0 * y.len() as f64)
    }

    fn linear(&self, beta: &[f64]) -> Vec<f64> {
        let mut z = vec![0.0; self.loss.n_samples()];
        self.loss.design().matvec(beta, &mut z);
        z
    }

    /// `P` at `θ = [log α]` and `x = β` (or `[β, b]`). Errors: θ invalid; panics if `x` does
    /// not have [`dim_x`](FixedPointMap::dim_x) entries.
    pub fn value(&self, theta: &[f64], beta: &[f64]) -> Result<f64, OptimError> {
        let alpha = single_alpha(theta)?;
        Ok(self.objective_and_gap(&alpha, beta, &self.linear(beta)).0)
    }

    /// The duality gap (see the type's documentation). Errors: θ invalid; panics if `x` does
    /// not have [`dim_x`](FixedPointMap::dim_x) entries.
    pub fn duality_gap(&self, theta: &[f64], beta: &[f64]) -> Result<f64, OptimError> {
        let alpha = single_alpha(theta)?;
        Ok(self.objective_and_gap(&alpha, beta, &self.linear(beta)).1)
    }

    /// The dual direction `p̃` (see the type's documentation) at the linear predictor `z`.
    fn dual_direction(&self, z: &[f64]) -> Vec<f64> {
        let y = self.loss.y();
        let mut probs: Vec<f64> = z
            .iter()
            .zip(y)
            .map(|(&zi, &yi)| sigmoid(-yi * zi))
            .collect();
        if self.has_intercept() {
            let (positive, negative) = probs.iter().zip(y).fold((0.0, 0.0), |(s, t), (p, yi)| {
                if *yi > 0.0 {
                    (s + p, t)
                } else {
                    (s, t + p)
                }
            });
            // Scale the class in excess by (its share − the excess)/(its share) ∈ [0, 1).
            let (label, factor) = if positive > negative {
                (1.0, negative / positive)
            } else if negative > positive {
                (-1.0, positive / negative)
            } else {
                (1.0, 1.0)
            };
            probs
                .iter_mut()
                .zip(y)
                .filter(|(_, &yi)| yi == label)
                .for_each(|(p, _)| *p *= factor);
        }
        probs
    }
}

impl CoordinateDescentModel for SparseLogistic {
    type Penalty = f64;
    fn penalty(&self, theta: &[f64]) -> Result<f64, OptimError> {
        single_alpha(theta)
    }
    fn n_features(&self) -> usize {
        self.loss.n_features()
    }
    fn state_len(&self) -> usize {
        self.loss.n_samples()
    }
    fn init_state(&self, beta: &[f64], state: &mut [f64]) {
        self.loss.design().matvec(beta, state);
    }
    fn sweep(&self, alpha: &f64, beta: &mut [f64], state: &mut [f64]) -> f64 {
        let (design, y) = (self.loss.design(), self.loss.y());
        sweep_logistic_l1(
            design,
            (y, &self.lipschitz),
            (*alpha, self.penalized),
            None,
            true,
            beta,
            state,
        )
    }
    fn objective_at_zero(&self) -> f64 {
        std::f64::consts::LN_2
    }
    fn objective_and_gap(&self, alpha: &f64, beta: &[f64], z: &[f64]) -> (f64, f64) {
        let alpha = *alpha;
        let n = self.loss.n_samples() as f64;
        let penalty = alpha * beta[..self.penalized].iter().map(|b| b.abs()).sum::<f64>();
        let primal = self.loss.value_from_linear(z) + penalty;
        let probs = self.dual_direction(z);
        let weighted: Vec<f64> = probs
            .iter()
            .zip(self.loss.y())
            .map(|(p, y)| p * y)
            .collect();
        let design = self.loss.design();
        let correlation = (0..self.penalized)
            .map(|j| design.col_dot(j, &weighted).abs())
            .fold(0.0, f64::max)
            / n;
        let c = if correlation > alpha {
            alpha / correlation
        } else {
            1.0
        };
        let dual = -probs
            .iter()
            .map(|&p| xlogx(c * p) + xlogx(1.0 - c * p))
            .sum::<f64>()
            / n;
        (primal, primal - dual)
    }
}

impl FixedPointMap for SparseLogistic {
    fn dim_x(&self) -> usize {
        self.loss.n_features()
    }
    fn dim_theta(&self) -> usize {
        1
    }
    fn apply<S: Scalar>(&self, x: &[S], theta: &[S], out: &mut [S]) {
        out.copy_from_slice(x);
        let mut z = vec![S::zero(); self.loss.n_samples()];
        self.loss.design().matvec(out, &mut z);
        let (design, y) = (self.loss.design(), self.loss.y());
        sweep_logistic_l1(
            design,
            (y, &self.lipschitz),
            (theta[0].exp(), self.penalized),
            None,
            false,
            out,
            &mut z,
        );
    }
    fn solve(
        &self,
        theta: &[f64],
        warm_start: Option<&[f64]>,
        params: &SolverParams,
    ) -> Result<Solution, OptimError> {
        ProxNewton::new(params.clone()).solve(self, theta, warm_start)
    }
    /// The coordinate-descent sweeps (the iteration of `T`) from `start` to the same tolerance.
    fn unrolled_steps(
        &self,
        start: &[f64],
        theta: &[f64],
        params: &SolverParams,
        _solution: &Solution,
    ) -> Result<usize, OptimError> {
        cyclic_sweeps(self, start, theta, params)
    }
    /// The non-zero features, and the intercept (always free).
    fn support(&self, x: &[f64]) -> Option<Vec<usize>> {
        let mut support = nonzeros(&x[..self.penalized]);
        support.extend(self.penalized..x.len());
        Some(support)
    }
    /// Over the features (the intercept is never at a kink).
    fn non_degeneracy_margin(&self, x: &[f64], theta: &[f64]) -> Option<f64> {
        let alpha = single_alpha(theta).ok()?;
        let mut gradient = vec![0.0; x.len()];
        self.loss.gradient(x, &mut gradient);
        let p = self.penalized;
        Some(l1_margin(&x[..p], &gradient[..p], |_| alpha))
    }
}
