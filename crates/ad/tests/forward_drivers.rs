//! The forward drivers against closed forms, on slices and ndarray inputs, and their errors.

use approx::assert_relative_eq;
use hypergrad_ad::forward::{self, CHUNK};
use hypergrad_ad::{AdError, Dual, Float, Scalar};
use ndarray::{array, s, Array1, Array2};

/// Extended Rosenbrock `Σ 100(x_{i+1} − x_i²)² + (1 − x_i)²`.
fn rosenbrock<S: Scalar>(x: &[S]) -> S {
    x.windows(2)
        .map(|w| {
            let a = w[1] - w[0] * w[0];
            let b = S::one() - w[0];
            a * a * S::from_f64(100.0) + b * b
        })
        .sum()
}

/// Closed-form gradient of [`rosenbrock`].
fn rosenbrock_grad(x: &[f64]) -> Vec<f64> {
    let mut g = vec![0.0; x.len()];
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        g[i] += -400.0 * x[i] * a - 2.0 * (1.0 - x[i]);
        g[i + 1] += 200.0 * a;
    }
    g
}

/// Closed-form Hessian of [`rosenbrock`] (tridiagonal).
fn rosenbrock_hess(x: &[f64]) -> Array2<f64> {
    let n = x.len();
    let mut h = Array2::zeros((n, n));
    for i in 0..n - 1 {
        h[[i, i]] += 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0;
        h[[i + 1, i + 1]] += 200.0;
        h[[i, i + 1]] += -400.0 * x[i];
        h[[i + 1, i]] += -400.0 * x[i];
    }
    h
}

/// A point whose length is not a multiple of [`CHUNK`], so the last chunk is partial.
fn point(n: usize) -> Vec<f64> {
    (0..n).map(|i| 0.3 + 0.1 * (i as f64).sin()).collect()
}

// Tolerances: the AD results and the closed forms evaluate the same sums in a different order, so
// they agree to a few ulps of the largest term (|terms| ≲ 1e3 here): max_relative 1e-13 with
// epsilon 1e-12 leaves room for that and nothing more.

#[test]
fn derivative_matches_closed_form() {
    let (y, dy) = forward::derivative(|x| x.exp() * x.sin(), 0.7_f64);
    assert_eq!(y, 0.7_f64.exp() * 0.7_f64.sin());
    assert_relative_eq!(
        dy,
        0.7_f64.exp() * (0.7_f64.sin() + 0.7_f64.cos()),
        max_relative = 1e-15
    );
}

#[test]
fn jvp_matches_jacobian_times_v() {
    let f = |x: &[Dual<f64>]| vec![x[0] * x[1], x[0] - x[2].ln()];
    let (y, jv) = forward::jvp(f, &[1.0, 2.0, 3.0], &[0.5, -1.0, 2.0]).unwrap();
    assert_eq!(y, vec![2.0, 1.0 - 3.0_f64.ln()]);
    // J = [[x2, x1, 0], [1, 0, −1/x3]].
    assert_relative_eq!(jv[0], 2.0 * 0.5 - 1.0, epsilon = 1e-15);
    assert_relative_eq!(jv[1], 0.5 - 2.0 / 3.0, epsilon = 1e-15);
}

#[test]
fn gradient_matches_closed_form_across_chunk_boundaries() {
    for n in [1, 2, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5] {
        let x = point(n.max(2));
        let (y, g) = forward::gradient(rosenbrock, &x);
        assert_eq!(y, rosenbrock(&x));
        let want = rosenbrock_grad(&x);
        for (a, b) in g.iter().zip(&want) {
            assert_relative_eq!(a, b, max_relative = 1e-13, epsilon = 1e-12);
        }
    }
}

#[test]
fn gradient_of_zero_inputs_is_empty() {
    let (y, g) = forward::gradient(|x| x.iter().copied().sum(), &[] as &[f64]);
    assert_eq!((y, g.len()), (0.0, 0));
}

#[test]
fn jacobian_matches_closed_form() {
    // f(x) = (x₀x₁ + exp x₂, x₀x₁ − ln x₂): J = [[x₁, x₀, eˣ²], [x₁, x₀, −1/x₂]].
    let (y, j) = forward::jacobian(
        |x| vec![x[0] * x[1] + x[2].exp(), x[0] * x[1] - x[2].ln()],
        &[1.0, 2.0, 3.0],
    )
    .unwrap();
    assert_eq!(y, vec![2.0 + 3.0_f64.exp(), 2.0 - 3.0_f64.ln()]);
    assert_eq!(j, array![[2.0, 1.0, 3.0_f64.exp()], [2.0, 1.0, -1.0 / 3.0]]);
}

#[test]
fn jacobian_of_wide_map_fills_every_column() {
    // f(x) = (Σ xᵢ², Π-free linear map Σ i·xᵢ): rows 2x and (0, 1, …, n−1).
    let x = point(2 * CHUNK + 3);
    let (_, j) = forward::jacobian(
        |x| {
            let sq = x.iter().map(|&v| v * v).sum();
            let lin = x.iter().enumerate().map(|(i, &v)| v * i as f64).sum();
            vec![sq, lin]
        },
        &x,
    )
    .unwrap();
    for (i, xi) in x.iter().enumerate() {
        assert_eq!(j[[0, i]], 2.0 * xi);
        assert_eq!(j[[1, i]], i as f64);
    }
}

#[test]
fn jacobian_reports_inconsistent_outputs() {
    let x = point(CHUNK + 1);
    let mut calls = 0;
    let r = forward::jacobian(
        |x| {
            calls += 1;
            vec![x[0]; calls]
        },
        &x,
    );
    assert_eq!(r, Err(AdError::InconsistentOutput { first: 1, later: 2 }));
}

#[test]
fn hvp_matches_closed_form() {
    let x = point(CHUNK + 3);
    let v: Vec<f64> = (0..x.len()).map(|i| 1.0 - 0.2 * i as f64).collect();
    let (y, g, hv) = forward::hvp(rosenbrock, &x, &v).unwrap();
    assert_eq!(y, rosenbrock(&x));
    let want_hv = rosenbrock_hess(&x).dot(&Array1::from(v));
    for (a, b) in g.iter().zip(&rosenbrock_grad(&x)) {
        assert_relative_eq!(a, b, max_relative = 1e-13, epsilon = 1e-12);
    }
    for (a, b) in hv.iter().zip(&want_hv) {
        assert_relative_eq!(a, b, max_relative = 1e-13, epsilon = 1e-12);
    }
}

#[test]
fn hessian_matches_closed_form_and_is_symmetric() {
    for n in [2, CHUNK, 2 * CHUNK + 3] {
        let x = point(n);
        let (y, g, h) = forward::hessian(rosenbrock, &x);
        assert_eq!(y, rosenbrock(&x));
        for (a, b) in g.iter().zip(&rosenbrock_grad(&x)) {
            assert_relative_eq!(a, b, max_relative = 1e-13, epsilon = 1e-12);
        }
        let want = rosenbrock_hess(&x);
        for (a, b) in h.iter().zip(&want) {
            assert_relative_eq!(a, b, max_relative = 1e-13, epsilon = 1e-12);
        }
        assert_eq!(h, h.t());
    }
}

#[test]
fn hessian_of_dense_coupling() {
    // f = (Σ xᵢ)³: every entry of ∇²f is 6·Σ xᵢ, a dense Hessian across chunks.
    let x = point(CHUNK + 2);
    let s: f64 = x.iter().sum();
    let (_, _, h) = forward::hessian(
        |x| {
            x.iter()
                .copied()
                .sum::<hypergrad_ad::DualVec<_, CHUNK>>()
                .powi(3)
        },
        &x,
    );
    for hij in &h {
        assert_relative_eq!(*hij, 6.0 * s, max_relative = 1e-14);
    }
}

#[test]
fn drivers_take_ndarray_views_including_strided() {
    let a = Array1::from(point(2 * CHUNK));
    let (_, g_owned) = forward::gradient(rosenbrock, &a);
    let (_, g_view) = forward::gradient(rosenbrock, a.view());
    assert_eq!(g_owned, g_view);
    let strided = a.slice(s![..;2]);
    let dense: Vec<f64> = strided.to_vec();
    let (_, g_strided) = forward::gradient(rosenbrock, strided);
    assert_eq!(g_strided, forward::gradient(rosenbrock, &dense).1);
    let (_, jv) = forward::jvp(|x| vec![rosenbrock(x)], a.view(), &a).unwrap();
    let want: f64 = g_owned.iter().zip(&a).map(|(g, v)| g * v).sum();
    assert_relative_eq!(jv[0], want, max_relative = 1e-13);
}

#[test]
fn length_mismatch_is_an_error() {
    let e = AdError::LengthMismatch {
        what: "direction v",
        expected: 2,
        got: 3,
    };
    assert_eq!(
        forward::jvp(|x| x.to_vec(), &[1.0, 2.0], &[1.0, 2.0, 3.0]),
        Err(e.clone())
    );
    assert_eq!(
        forward::hvp(|x| x[0], &[1.0, 2.0], &[1.0, 2.0, 3.0]),
        Err(e.clone())
    );
    assert_eq!(e.to_string(), "direction v: expected length 2, got 3");
}

#[test]
fn function_items_work_as_closures() {
    let x = point(5);
    let (_, g) = forward::gradient(rosenbrock::<hypergrad_ad::DualVec<f64, CHUNK>>, &x);
    assert_eq!(g, forward::gradient(rosenbrock, &x).1);
}

#[test]
fn drivers_nest() {
    // Nesting: `derivative` over T = Dual<f64> differentiates the derivative, f = x³ at 2:
    // inner tangent 1 gives f' = 12, the outer tangent of that is f'' = 12.
    let (y, dy) = forward::derivative(|x| x * x * x, Dual::new(2.0_f64, 1.0));
    assert_eq!((y.re, y.eps, dy.re, dy.eps), (8.0, 12.0, 12.0, 12.0));
}

/// f: ℝ³ → ℝ³ on arrays, the 3-input Jacobian of the benches.
fn three<S: Scalar>(x: &[S; 3]) -> [S; 3] {
    [
        x[0] * x[1] + x[2].sin(),
        x[0] * x[0] - x[2] + x[1],
        x[1].exp() * x[2],
    ]
}

#[test]
fn lane_width_and_fixed_size_drivers_agree() {
    let x = [0.3, -1.1, 0.7];
    // Closed form: rows ∇fᵢ.
    let expect = [
        [x[1], x[0], x[2].cos()],
        [2.0 * x[0], 1.0, -1.0],
        [0.0, x[1].exp() * x[2], x[1].exp()],
    ];
    let (y, j) = forward::jacobian_fixed(three, x);
    assert_eq!(y, three(&x));
    assert_eq!(j, expect);
    for lanes in [1, 2, 3] {
        let (y2, j2) = match lanes {
            1 => forward::jacobian_lanes::<_, 1>(|v| three(&[v[0], v[1], v[2]]).to_vec(), &x),
            2 => forward::jacobian_lanes::<_, 2>(|v| three(&[v[0], v[1], v[2]]).to_vec(), &x),
            _ => forward::jacobian_lanes::<_, 3>(|v| three(&[v[0], v[1], v[2]]).to_vec(), &x),
        }
        .unwrap();
        assert_eq!(y2, y.to_vec());
        for i in 0..3 {
            for k in 0..3 {
                assert_eq!(j2[[i, k]], expect[i][k], "{lanes} lanes");
            }
        }
    }
    let (v, g) = forward::gradient_lanes::<_, 2>(|v| three(&[v[0], v[1], v[2]])[0], &x);
    assert_eq!((v, g), (y[0], expect[0].to_vec()));
}
