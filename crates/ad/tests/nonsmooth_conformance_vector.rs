//! Conformance of the vector non-smooth primitives (soft-thresholding of a slice, weighted,
//! block, projections onto the box, orthant, ℓ2 ball, simplex and ℓ1 ball, prox of `τ‖·‖∞`,
//! 1-D TV prox): every AD mode against the `f64` generalized derivatives, finite differences away
//! from kinks, Clarke Jacobian at kinks (ties, zero groups, constant signals, spheres).

#[macro_use]
mod nonsmooth_common;
use nonsmooth_common::*;

/// Length of the point `x`.
const N: usize = 5;

/// Concatenates a point and parameters into one input.
fn cat(x: &[f64], params: &[f64]) -> Vec<f64> {
    x.iter().chain(params).copied().collect()
}

/// The vector primitives of one point `x ∈ ℝᴺ` and up to `N + 2` parameters.
#[derive(Clone, Copy)]
enum Vector {
    /// `[x, τ]`
    SoftThresholdSlice,
    /// `[x, τ, w]`
    Weighted,
    /// `[x, τ]`
    Block,
    /// `[x, lo, hi]`
    Box,
    /// `[x]`
    Nonneg,
    /// `[x, r]`
    L2Ball,
    /// `[y]`
    Simplex,
    /// `[y, r]`
    L1Ball,
    /// `[x, τ]`
    Linf,
    /// `[y, λ]`
    Tv,
}

impl Primitive for Vector {
    fn name(&self) -> &'static str {
        match self {
            Vector::SoftThresholdSlice => "soft_threshold_slice",
            Vector::Weighted => "weighted_soft_threshold",
            Vector::Block => "block_soft_threshold",
            Vector::Box => "project_box",
            Vector::Nonneg => "project_nonneg",
            Vector::L2Ball => "project_l2_ball",
            Vector::Simplex => "project_simplex",
            Vector::L1Ball => "project_l1_ball",
            Vector::Linf => "prox_linf",
            Vector::Tv => "prox_tv1d",
        }
    }
    fn n_in(&self) -> usize {
        N + match self {
            Vector::Nonneg | Vector::Simplex => 0,
            Vector::Box => 2,
            Vector::Weighted => N + 1,
            _ => 1,
        }
    }
    fn n_out(&self) -> usize {
        N
    }
    fn eval<S: Scalar>(&self, i: &[S], o: &mut [S]) {
        let (x, p) = i.split_at(N);
        match self {
            Vector::SoftThresholdSlice => soft_threshold_slice(x, p[0], o),
            Vector::Weighted => weighted_soft_threshold(x, p[0], &p[1..], o),
            Vector::Block => block_soft_threshold(x, p[0], o),
            Vector::Box => project_box(x, p[0], p[1], o),
            Vector::Nonneg => project_nonneg(x, o),
            Vector::L2Ball => project_l2_ball(x, p[0], o),
            Vector::Simplex => project_simplex(x, o),
            Vector::L1Ball => project_l1_ball(x, p[0], o),
            Vector::Linf => prox_linf(x, p[0], o),
            Vector::Tv => prox_tv1d(x, p[0], o),
        }
    }
    fn jvp(&self, i: &[f64], d: &[f64], o: &mut [f64]) {
        let ((x, p), (dx, dp)) = (i.split_at(N), d.split_at(N));
        match self {
            Vector::SoftThresholdSlice => soft_threshold_slice_jvp(x, p[0], dx, dp[0], o),
            Vector::Weighted => {
                weighted_soft_threshold_jvp(x, p[0], &p[1..], dx, dp[0], &dp[1..], o)
            }
            Vector::Block => block_soft_threshold_jvp(x, p[0], dx, dp[0], o),
            Vector::Box => project_box_jvp(x, p[0], p[1], dx, dp[0], dp[1], o),
            Vector::Nonneg => project_nonneg_jvp(x, dx, o),
            Vector::L2Ball => project_l2_ball_jvp(x, p[0], dx, dp[0], o),
            Vector::Simplex => project_simplex_jvp(x, dx, o),
            Vector::L1Ball => project_l1_ball_jvp(x, p[0], dx, dp[0], o),
            Vector::Linf => prox_linf_jvp(x, p[0], dx, dp[0], o),
            Vector::Tv => prox_tv1d_jvp(x, p[0], dx, dp[0], o),
        }
    }
    fn sample(&self, rng: &mut Rng) -> Vec<f64> {
        let x = rng.vec(N, -2.0, 2.0);
        let params = match self {
            Vector::Nonneg | Vector::Simplex => vec![],
            Vector::Box => vec![rng.uniform(-1.0, 0.0), rng.uniform(0.0, 1.0)],
            Vector::Weighted => rng.vec(N + 1, 0.1, 1.5),
            Vector::Block | Vector::L2Ball => vec![rng.uniform(0.5, 4.0)],
            Vector::L1Ball | Vector::Linf => vec![rng.uniform(0.5, 8.0)],
            _ => vec![rng.uniform(0.0, 1.5)],
        };
        cat(&x, &params)
    }
    fn valid(&self, i: &[f64]) -> bool {
        let p = &i[N..];
        match self {
            Vector::Box => p[0] <= p[1],
            _ => p.iter().all(|&v| v >= 0.0),
        }
    }
    fn kinks(&self) -> Vec<Vec<f64>> {
        let x = [1.0, -0.5, 0.5, 0.0, -2.0];
        match self {
            Vector::SoftThresholdSlice => vec![cat(&x, &[0.5]), cat(&x, &[0.0])],
            Vector::Weighted => vec![cat(&x, &[0.5, 2.0, 1.0, 1.0, 1.0, 0.25])],
            // ‖(3, 4, 0, 0, 0)‖ = 5: on the kink sphere; a zero group with τ = 0 and τ > 0.
            Vector::Block => vec![
                cat(&[3.0, 4.0, 0.0, 0.0, 0.0], &[5.0]),
                cat(&[0.0; N], &[0.0]),
                cat(&[0.0; N], &[1.0]),
            ],
            Vector::Box => vec![cat(&x, &[-0.5, 1.0]), cat(&x, &[0.0, 0.0])],
            Vector::Nonneg => vec![x.to_vec()],
            // The sphere; the origin (no √ at 0 may reach a reverse sweep).
            Vector::L2Ball => vec![
                cat(&[3.0, 4.0, 0.0, 0.0, 0.0], &[5.0]),
                cat(&[0.0; N], &[1.0]),
                cat(&[0.0; N], &[0.0]),
            ],
            // Ties in the support and at the threshold: θ = 1 for (1.5, 1.5, 1, 1, −1).
            Vector::Simplex => vec![vec![1.5, 1.5, 1.0, 1.0, -1.0], vec![0.2; N]],
            // ‖x‖₁ = 4: on the sphere; and θ = 0.5 with ties at the threshold.
            Vector::L1Ball | Vector::Linf => {
                vec![cat(&x, &[4.0]), cat(&[1.5, -1.5, 0.5, -0.5, 0.0], &[2.0])]
            }
            // A constant signal; a jump of exactly 2λ (the merge point); λ = 0.
            Vector::Tv => vec![
                cat(&[0.3; N], &[0.5]),
                cat(&[0.0, 0.0, 1.0, 1.0, 1.0], &[0.6]),
                cat(&x, &[0.0]),
            ],
        }
    }
}

primitive_tests!(soft_threshold_slice_tests, Vector::SoftThresholdSlice);
primitive_tests!(weighted_soft_threshold_tests, Vector::Weighted);
primitive_tests!(block_soft_threshold_tests, Vector::Block);
primitive_tests!(project_box_tests, Vector::Box);
primitive_tests!(project_nonneg_tests, Vector::Nonneg);
primitive_tests!(project_l2_ball_tests, Vector::L2Ball);
primitive_tests!(project_simplex_tests, Vector::Simplex);
primitive_tests!(project_l1_ball_tests, Vector::L1Ball);
primitive_tests!(prox_linf_tests, Vector::Linf);
primitive_tests!(prox_tv1d_tests, Vector::Tv);
