//! [`Objective`] for the losses [`LeastSquares`] and [`Logistic`], with closed-form gradients and
//! Hessian-vector products (no θ: `dim_theta() = 0`).

use crate::loss::sigmoid;
use crate::{LeastSquares, Logistic, Objective};
use hypergrad_ad::Scalar;

/// `1/n`.
fn inv_n(n: usize) -> f64 {
    1.0 / n as f64
}

/// `f(β) = 1/(2n)‖y − Xβ‖²`, `∇f = −Xᵀ(y − Xβ)/n`, `∇²f·v = XᵀXv/n`.
impl Objective for LeastSquares {
    fn dim(&self) -> usize {
        self.n_features()
    }
    fn value<S: Scalar>(&self, x: &[S], _theta: &[S]) -> S {
        LeastSquares::value(self, x)
    }
    fn gradient<S: Scalar>(&self, x: &[S], _theta: &[S], out: &mut [S]) {
        let mut r = vec![S::zero(); self.n_samples()];
        self.residual(x, &mut r);
        S::rmatvec(self.operator(), &r, out);
        let c = -inv_n(self.n_samples());
        out.iter_mut().for_each(|g| *g = *g * c);
    }
    fn hvp<S: Scalar>(&self, _x: &[S], _theta: &[S], v: &[S], out: &mut [S]) {
        let mut u = vec![S::zero(); self.n_samples()];
        S::matvec(self.operator(), v, &mut u);
        S::rmatvec(self.operator(), &u, out);
        let c = inv_n(self.n_samples());
        out.iter_mut().for_each(|g| *g = *g * c);
    }
    fn gradient_f64(&self, x: &[f64], _theta: &[f64], out: &mut [f64]) {
        LeastSquares::gradient(self, x, out);
    }
}

/// `f(β) = 1/n Σ log(1 + exp(−yᵢxᵢᵀβ))`, `∇f = −Xᵀ(y ⊙ σ(−y ⊙ Xβ))/n`,
/// `∇²f·v = Xᵀ(w ⊙ Xv)/n` with `wᵢ = σ(zᵢ)σ(−zᵢ)`, `z = Xβ` (labels ±1).
impl Objective for Logistic {
    fn dim(&self) -> usize {
        self.n_features()
    }
    fn value<S: Scalar>(&self, x: &[S], _theta: &[S]) -> S {
        Logistic::value(self, x)
    }
    fn gradient<S: Scalar>(&self, x: &[S], _theta: &[S], out: &mut [S]) {
        let mut w = vec![S::zero(); self.n_samples()];
        S::matvec(self.operator(), x, &mut w);
        let c = inv_n(self.n_samples());
        for (wi, &yi) in w.iter_mut().zip(self.y()) {
            *wi = sigmoid(-(*wi * yi)) * (-yi * c);
        }
        S::rmatvec(self.operator(), &w, out);
    }
    fn hvp<S: Scalar>(&self, x: &[S], _theta: &[S], v: &[S], out: &mut [S]) {
        let n = self.n_samples();
        let (mut z, mut u) = (vec![S::zero(); n], vec![S::zero(); n]);
        S::matvec(self.operator(), x, &mut z);
        S::matvec(self.operator(), v, &mut u);
        let c = inv_n(n);
        for (ui, &zi) in u.iter_mut().zip(&z) {
            *ui = *ui * sigmoid(zi) * sigmoid(-zi) * c;
        }
        S::rmatvec(self.operator(), &u, out);
    }
    fn gradient_f64(&self, x: &[f64], _theta: &[f64], out: &mut [f64]) {
        Logistic::gradient(self, x, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{forward_gradient, forward_hvp, Design};
    use ndarray::Array2;

    fn data() -> (Design, Vec<f64>) {
        let x = Array2::from_shape_fn((7, 3), |(i, j)| ((i * 3 + j * 5) % 7) as f64 / 3.0 - 1.0);
        let y = (0..7)
            .map(|i| if i % 3 == 0 { 1.0 } else { -1.0 })
            .collect();
        (Design::dense(x).unwrap(), y)
    }

    /// The closed forms against forward AD of `value` (independent code path); both are exact up
    /// to rounding of O(1) sums, hence 1e-12.
    #[test]
    fn closed_forms_match_forward_ad() {
        let (x, y) = data();
        let beta = [0.3, -0.8, 1.1];
        let v = [1.0, 0.5, -2.0];
        let ls = LeastSquares::new(x.clone(), ndarray::ArrayView1::from(&y)).unwrap();
        let lg = Logistic::new(x, ndarray::ArrayView1::from(&y)).unwrap();
        fn check<O: Objective>(o: &O, beta: &[f64], v: &[f64]) {
            let (mut a, mut b) = ([0.0; 3], [0.0; 3]);
            o.gradient_f64(beta, &[], &mut a);
            forward_gradient(o, beta, &[], &mut b);
            let (mut c, mut d) = ([0.0; 3], [0.0; 3]);
            o.hvp_f64(beta, &[], v, &mut c);
            forward_hvp(o, beta, &[], v, &mut d);
            for i in 0..3 {
                assert!((a[i] - b[i]).abs() < 1e-12, "gradient {i}");
                assert!((c[i] - d[i]).abs() < 1e-12, "hvp {i}");
            }
        }
        check(&ls, &beta, &v);
        check(&lg, &beta, &v);
    }
}
