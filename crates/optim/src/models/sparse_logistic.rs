//! [`SparseLogistic`]: `1/n Σᵢ log(1 + exp(−yᵢxᵢᵀβ)) + α‖β‖₁`.

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
/// without intercept).
///
/// Solved fastest by [`ProxNewton`](crate::ProxNewton) (Newton steps on the true curvature
/// `pᵢ(1 − pᵢ)`), or by [`CoordinateDescent`](crate::CoordinateDescent): cyclic coordinate
/// descent on the per-coordinate quadratic upper bound (curvature `‖X_j‖²/(4n)`),
/// `β_j ← st(β_j − g_j/L_j, α/L_j)`. As a [`FixedPointMap`] one such sweep with
/// `θ = [log α]`, solved by proximal Newton; both solvers reach its fixed point, the minimizer,
/// and the unrolled methods differentiate the sweeps coordinate descent needs from the same
/// start.
///
/// Dual: with `z = Xβ`, `pᵢ = σ(−yᵢzᵢ)` and `θ = c·(y ⊙ p)/n` where
/// `c = min(1, α / ‖Xᵀ(y ⊙ p)‖∞/n)` (feasibility `‖Xᵀθ‖∞ ≤ α`),
/// `D(θ) = −1/n Σᵢ [c pᵢ log(c pᵢ) + (1 − c pᵢ) log(1 − c pᵢ)]` (the conjugate of the logistic
/// loss is the negative binary entropy), and `gap = P(β) − D(θ)`, as in celer.
#[derive(Clone, Debug)]
pub struct SparseLogistic {
    loss: Logistic,
    lipschitz: Vec<f64>,
}

impl SparseLogistic {
    /// Checks the data (see [`Logistic::new`]).
    pub fn new(design: Design, y: ArrayView1<'_, f64>) -> Result<Self, OptimError> {
        let loss = Logistic::new(design, y)?;
        let mut lipschitz = vec![0.0; loss.n_features()];
        loss.coordinate_lipschitz(&mut lipschitz);
        Ok(Self { loss, lipschitz })
    }

    /// The data fit.
    pub fn loss(&self) -> &Logistic {
        &self.loss
    }

    /// The per-coordinate curvature bounds `L_j = ‖X_j‖²/(4n)` of the coordinate-descent sweep.
    pub(crate) fn coordinate_lipschitz(&self) -> &[f64] {
        &self.lipschitz
    }

    /// `α_max = ‖Xᵀy‖∞/(2n)`: for `α ≥ α_max` the solution is 0.
    pub fn alpha_max(&self) -> f64 {
        self.loss.alpha_max()
    }

    fn linear(&self, beta: &[f64]) -> Vec<f64> {
        let mut z = vec![0.0; self.loss.n_samples()];
        self.loss.design().matvec(beta, &mut z);
        z
    }

    /// `P(β)` at `θ = [log α]`. Errors: θ invalid; panics if `β` does not have p entries.
    pub fn value(&self, theta: &[f64], beta: &[f64]) -> Result<f64, OptimError> {
        let alpha = single_alpha(theta)?;
        Ok(self.objective_and_gap(&alpha, beta, &self.linear(beta)).0)
    }

    /// The duality gap (see the type's documentation). Errors: θ invalid; panics if `β` does
    /// not have p entries.
    pub fn duality_gap(&self, theta: &[f64], beta: &[f64]) -> Result<f64, OptimError> {
        let alpha = single_alpha(theta)?;
        Ok(self.objective_and_gap(&alpha, beta, &self.linear(beta)).1)
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
            *alpha,
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
        let primal =
            self.loss.value_from_linear(z) + alpha * beta.iter().map(|b| b.abs()).sum::<f64>();
        let probs: Vec<f64> = z
            .iter()
            .zip(self.loss.y())
            .map(|(&zi, &yi)| sigmoid(-yi * zi))
            .collect();
        let weighted: Vec<f64> = probs
            .iter()
            .zip(self.loss.y())
            .map(|(p, y)| p * y)
            .collect();
        let correlation = self.loss.design().max_abs_col_dot(&weighted) / n;
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
            theta[0].exp(),
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
    fn support(&self, x: &[f64]) -> Option<Vec<usize>> {
        Some(nonzeros(x))
    }
    fn non_degeneracy_margin(&self, x: &[f64], theta: &[f64]) -> Option<f64> {
        let alpha = single_alpha(theta).ok()?;
        let mut gradient = vec![0.0; x.len()];
        self.loss.gradient(x, &mut gradient);
        Some(l1_margin(x, &gradient, |_| alpha))
    }
}
