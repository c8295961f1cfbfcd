//! Conformance of the scalar non-smooth primitives (`abs`, `relu`, `max`, `min`, `clamp`,
//! soft-thresholding with both kink selections, the elastic-net prox): every AD mode against the
//! `f64` generalized derivatives, finite differences away from kinks, Clarke Jacobian at kinks.

#[macro_use]
mod nonsmooth_common;
use nonsmooth_common::*;

struct Abs;
impl Primitive for Abs {
    fn name(&self) -> &'static str {
        "abs"
    }
    fn n_in(&self) -> usize {
        1
    }
    fn n_out(&self) -> usize {
        1
    }
    fn eval<S: Scalar>(&self, i: &[S], o: &mut [S]) {
        o[0] = abs(i[0]);
    }
    fn jvp(&self, i: &[f64], d: &[f64], o: &mut [f64]) {
        o[0] = abs_jacobian(i[0]) * d[0];
    }
    fn sample(&self, rng: &mut Rng) -> Vec<f64> {
        rng.vec(1, -2.0, 2.0)
    }
    fn valid(&self, _: &[f64]) -> bool {
        true
    }
    fn kinks(&self) -> Vec<Vec<f64>> {
        vec![vec![0.0]]
    }
}

struct Relu;
impl Primitive for Relu {
    fn name(&self) -> &'static str {
        "relu"
    }
    fn n_in(&self) -> usize {
        1
    }
    fn n_out(&self) -> usize {
        1
    }
    fn eval<S: Scalar>(&self, i: &[S], o: &mut [S]) {
        o[0] = relu(i[0]);
    }
    fn jvp(&self, i: &[f64], d: &[f64], o: &mut [f64]) {
        o[0] = relu_jacobian(i[0]) * d[0];
    }
    fn sample(&self, rng: &mut Rng) -> Vec<f64> {
        rng.vec(1, -2.0, 2.0)
    }
    fn valid(&self, _: &[f64]) -> bool {
        true
    }
    fn kinks(&self) -> Vec<Vec<f64>> {
        vec![vec![0.0]]
    }
}

/// `max` (`MAX = true`) or `min` of two inputs.
struct MaxMin<const MAX: bool>;
impl<const MAX: bool> Primitive for MaxMin<MAX> {
    fn name(&self) -> &'static str {
        if MAX {
            "max"
        } else {
            "min"
        }
    }
    fn n_in(&self) -> usize {
        2
    }
    fn n_out(&self) -> usize {
        1
    }
    fn eval<S: Scalar>(&self, i: &[S], o: &mut [S]) {
        o[0] = if MAX {
            max(i[0], i[1])
        } else {
            min(i[0], i[1])
        };
    }
    fn jvp(&self, i: &[f64], d: &[f64], o: &mut [f64]) {
        let (ja, jb) = if MAX {
            max_jacobian(i[0], i[1])
        } else {
            min_jacobian(i[0], i[1])
        };
        o[0] = ja * d[0] + jb * d[1];
    }
    fn sample(&self, rng: &mut Rng) -> Vec<f64> {
        rng.vec(2, -2.0, 2.0)
    }
    fn valid(&self, _: &[f64]) -> bool {
        true
    }
    fn kinks(&self) -> Vec<Vec<f64>> {
        vec![vec![0.5, 0.5], vec![-1.0, -1.0]]
    }
}

/// `clamp(x, lo, hi)`: inputs `[x, lo, hi]`.
struct Clamp;
impl Primitive for Clamp {
    fn name(&self) -> &'static str {
        "clamp"
    }
    fn n_in(&self) -> usize {
        3
    }
    fn n_out(&self) -> usize {
        1
    }
    fn eval<S: Scalar>(&self, i: &[S], o: &mut [S]) {
        o[0] = clamp(i[0], i[1], i[2]);
    }
    fn jvp(&self, i: &[f64], d: &[f64], o: &mut [f64]) {
        let (jx, jl, jh) = clamp_jacobian(i[0], i[1], i[2]);
        o[0] = jx * d[0] + jl * d[1] + jh * d[2];
    }
    fn sample(&self, rng: &mut Rng) -> Vec<f64> {
        vec![
            rng.uniform(-2.0, 2.0),
            rng.uniform(-1.0, 0.0),
            rng.uniform(0.1, 1.0),
        ]
    }
    fn valid(&self, i: &[f64]) -> bool {
        i[1] <= i[2]
    }
    fn kinks(&self) -> Vec<Vec<f64>> {
        vec![vec![-0.5, -0.5, 1.0], vec![1.0, -0.5, 1.0]]
    }
}

/// Scalar soft-thresholding with a kink selection: inputs `[x, τ]`.
struct SoftThreshold(Kink);
impl Primitive for SoftThreshold {
    fn name(&self) -> &'static str {
        match self.0 {
            Kink::Inactive => "soft_threshold",
            Kink::Active => "soft_threshold_with(Active)",
        }
    }
    fn n_in(&self) -> usize {
        2
    }
    fn n_out(&self) -> usize {
        1
    }
    fn eval<S: Scalar>(&self, i: &[S], o: &mut [S]) {
        o[0] = soft_threshold_with(i[0], i[1], self.0);
    }
    fn jvp(&self, i: &[f64], d: &[f64], o: &mut [f64]) {
        let (jx, jt) = soft_threshold_jacobian_with(i[0], i[1], self.0);
        o[0] = jx * d[0] + jt * d[1];
    }
    fn sample(&self, rng: &mut Rng) -> Vec<f64> {
        vec![rng.uniform(-2.0, 2.0), rng.uniform(0.0, 1.5)]
    }
    fn valid(&self, i: &[f64]) -> bool {
        i[1] >= 0.0
    }
    fn kinks(&self) -> Vec<Vec<f64>> {
        vec![vec![0.7, 0.7], vec![-0.7, 0.7], vec![0.0, 0.0]]
    }
}

/// Elastic-net prox: inputs `[x, τ₁, τ₂]`.
struct ElasticNet;
impl Primitive for ElasticNet {
    fn name(&self) -> &'static str {
        "elastic_net_prox"
    }
    fn n_in(&self) -> usize {
        3
    }
    fn n_out(&self) -> usize {
        1
    }
    fn eval<S: Scalar>(&self, i: &[S], o: &mut [S]) {
        o[0] = elastic_net_prox(i[0], i[1], i[2]);
    }
    fn jvp(&self, i: &[f64], d: &[f64], o: &mut [f64]) {
        let j = elastic_net_prox_jacobian(i[0], i[1], i[2]);
        o[0] = j[0] * d[0] + j[1] * d[1] + j[2] * d[2];
    }
    fn sample(&self, rng: &mut Rng) -> Vec<f64> {
        vec![
            rng.uniform(-2.0, 2.0),
            rng.uniform(0.0, 1.5),
            rng.uniform(0.0, 2.0),
        ]
    }
    fn valid(&self, i: &[f64]) -> bool {
        i[1] >= 0.0 && i[2] >= 0.0
    }
    fn kinks(&self) -> Vec<Vec<f64>> {
        vec![vec![0.5, 0.5, 1.0], vec![-1.0, 1.0, 0.0]]
    }
}

primitive_tests!(abs_tests, Abs);
primitive_tests!(relu_tests, Relu);
primitive_tests!(max_tests, MaxMin::<true>);
primitive_tests!(min_tests, MaxMin::<false>);
primitive_tests!(clamp_tests, Clamp);
primitive_tests!(soft_threshold_tests, SoftThreshold(Kink::Inactive));
primitive_tests!(soft_threshold_active_tests, SoftThreshold(Kink::Active));
primitive_tests!(elastic_net_tests, ElasticNet);
