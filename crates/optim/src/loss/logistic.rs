//! [`Logistic`]: `f(β) = 1/n Σᵢ log(1 + exp(−yᵢ xᵢᵀβ))`.

use super::checked_data;
use crate::{Design, OptimError};
use hypergrad_ad::Scalar;
use ndarray::ArrayView1;
use std::sync::Arc;

/// `log(1 + eᵘ)` without overflow: `u + log(1 + e^{−u})` for `u ≥ 0`, `log(1 + eᵘ)` otherwise.
/// Both branches are the same analytic function, so every AD mode gets the true derivative
/// `σ(u)`, also at `u = 0` (a `max(u, 0) + log(1 + e^{−|u|})` form would select slope 0 there).
#[inline]
pub fn softplus<S: Scalar>(u: S) -> S {
    if u.to_f64_value() >= 0.0 {
        u + (-u).exp().ln_1p()
    } else {
        u.exp().ln_1p()
    }
}

/// The logistic sigmoid `σ(t) = 1/(1 + e^{−t})`, evaluated without overflow on either side
/// (branching on the primal value of `t`).
#[inline]
pub fn sigmoid<S: Scalar>(t: S) -> S {
    if t.to_f64_value() >= 0.0 {
        S::one() / (S::one() + (-t).exp())
    } else {
        let e = t.exp();
        e / (S::one() + e)
    }
}

/// The logistic loss `f(β) = 1/n Σᵢ log(1 + exp(−yᵢ xᵢᵀβ))` with labels `yᵢ ∈ {−1, +1}`.
///
/// `∇f(β) = −1/n Xᵀ(y ⊙ σ(−y ⊙ Xβ))`; since `σ' ≤ 1/4`, `∇f` is `‖X‖₂²/(4n)`-Lipschitz and
/// `‖X_j‖²/(4n)`-Lipschitz along coordinate j.
///
/// ```
/// use hypergrad_optim::{Design, Logistic};
/// use ndarray::array;
///
/// let x = Design::dense(array![[1.0], [-1.0]]).unwrap();
/// let loss = Logistic::new(x, array![1.0, -1.0].view()).unwrap();
/// assert!((loss.value(&[0.0_f64]) - 2.0_f64.ln()).abs() < 1e-15);
/// // Far from the origin the value stays finite: log(1 + e^{−1000}) ≈ 0, no overflow.
/// assert!(loss.value(&[1000.0_f64]) < 1e-300);
/// assert!((loss.value(&[-1000.0_f64]) - 1000.0).abs() < 1e-9);
/// ```
#[derive(Clone, Debug)]
pub struct Logistic {
    /// Shared, for the vector operations (`S::matvec`).
    design: Arc<Design>,
    y: Vec<f64>,
    col_sq_norms: Vec<f64>,
}

impl Logistic {
    /// Checks the data (shapes, finite, non-empty, every label −1 or +1) and precomputes `‖X_j‖²`.
    pub fn new(design: Design, y: ArrayView1<'_, f64>) -> Result<Self, OptimError> {
        let y = y.to_vec();
        let (design, y) = checked_data(design, &y)?;
        if let Some(&bad) = y.iter().find(|&&v| v != 1.0 && v != -1.0) {
            return Err(OptimError::InvalidParameter {
                name: "y",
                value: bad,
                reason: "logistic labels must be −1 or +1",
            });
        }
        let mut col_sq_norms = vec![0.0; design.n_features()];
        design.col_sq_norms(&mut col_sq_norms);
        Ok(Self {
            design: Arc::new(design),
            y,
            col_sq_norms,
        })
    }

    /// The design `X`.
    pub fn design(&self) -> &Design {
        &self.design
    }

    /// The design as a shared operator, for `S::matvec` / `S::rmatvec`.
    pub(crate) fn operator(&self) -> &Arc<Design> {
        &self.design
    }

    /// The labels `y ∈ {−1, +1}ⁿ`.
    pub fn y(&self) -> &[f64] {
        &self.y
    }

    /// Number of samples n.
    pub fn n_samples(&self) -> usize {
        self.y.len()
    }

    /// Number of features p.
    pub fn n_features(&self) -> usize {
        self.col_sq_norms.len()
    }

    /// `1/n Σᵢ log(1 + exp(−yᵢ zᵢ))` for a given linear predictor `z = Xβ`.
    pub fn value_from_linear<S: Scalar>(&self, z: &[S]) -> S {
        let total: S = z
            .iter()
            .zip(&self.y)
            .map(|(&zi, &yi)| softplus(-(zi * yi)))
            .sum();
        total * (1.0 / self.n_samples() as f64)
    }

    /// `f(β)`, generic over the scalar (allocates one n-vector; `Xβ` is one vector operation).
    pub fn value<S: Scalar>(&self, beta: &[S]) -> S {
        let mut z = vec![S::zero(); self.n_samples()];
        S::matvec(&self.design, beta, &mut z);
        self.value_from_linear(&z)
    }

    /// Writes `∇f(β) = −1/n Xᵀ(y ⊙ σ(−y ⊙ Xβ))` into `out` (length p; allocates one n-vector).
    pub fn gradient(&self, beta: &[f64], out: &mut [f64]) {
        let mut w = vec![0.0; self.n_samples()];
        self.design.matvec(beta, &mut w);
        let n = self.n_samples() as f64;
        w.iter_mut()
            .zip(&self.y)
            .for_each(|(wi, &yi)| *wi = -yi * sigmoid(-yi * *wi) / n);
        self.design.rmatvec(&w, out);
    }

    /// The Lipschitz constant of `∇f`: `‖X‖₂²/(4n)`.
    pub fn lipschitz(&self) -> f64 {
        self.design.spectral_norm_sq() / (4.0 * self.n_samples() as f64)
    }

    /// Per-coordinate Lipschitz constants `‖X_j‖²/(4n)`, written into `out` (length p).
    pub fn coordinate_lipschitz(&self, out: &mut [f64]) {
        let four_n = 4.0 * self.n_samples() as f64;
        out.iter_mut()
            .zip(&self.col_sq_norms)
            .for_each(|(o, c)| *o = c / four_n);
    }

    /// `‖Xᵀy‖∞ / (2n)` = `‖∇f(0)‖∞`: the smallest α for which β = 0 minimizes `f + α‖·‖₁`.
    pub fn alpha_max(&self) -> f64 {
        self.design.max_abs_col_dot(&self.y) / (2.0 * self.n_samples() as f64)
    }
}

#[cfg(test)]
mod softplus_tests {
    use super::softplus;
    use hypergrad_ad::Dual;

    #[test]
    fn derivative_is_the_sigmoid_also_at_zero() {
        for u in [-30.0_f64, -1.0, 0.0, 0.5, 30.0] {
            let d = softplus(Dual::variable(u)).eps;
            let sigmoid = 1.0 / (1.0 + (-u).exp());
            assert!((d - sigmoid).abs() <= 1e-15, "u = {u}: {d} vs {sigmoid}");
        }
    }
}
