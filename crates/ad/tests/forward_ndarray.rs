//! Arrays of forward numbers with ndarray's arithmetic, `mapv` and `dot`, against the same
//! computation on plain floats (values) and closed forms (tangents).

use hypergrad_ad::{Dual, DualVec, Float};
use ndarray::{array, Array1, Array2};

/// `xᵢ + vᵢ·ε`.
fn seeded(x: &Array1<f64>, v: &Array1<f64>) -> Array1<Dual<f64>> {
    x.iter().zip(v).map(|(&a, &b)| Dual::new(a, b)).collect()
}

fn parts(a: &Array1<Dual<f64>>) -> (Array1<f64>, Array1<f64>) {
    (a.mapv(|d| d.re), a.mapv(|d| d.eps))
}

#[test]
fn elementwise_arithmetic_and_scalars_on_the_right() {
    let (x, y) = (array![1.0, -2.0, 0.5], array![3.0, 0.25, -1.0]);
    let (vx, vy) = (array![1.0, 0.0, 2.0], array![0.0, 1.0, -1.0]);
    let (a, b) = (seeded(&x, &vx), seeded(&y, &vy));

    let (re, eps) = parts(&(&a * &b));
    assert_eq!(re, &x * &y);
    assert_eq!(eps, &vx * &y + &x * &vy);

    let (re, eps) = parts(&(&a / &b));
    assert_eq!(re, &x / &y);
    let want = (&vx * &y - &x * &vy) / (&y * &y);
    for (e, w) in eps.iter().zip(&want) {
        // Rule (dx·(1/y) − (x/y)·dy·(1/y)) vs ((dx·y − x·dy)/y²): a few roundings apart.
        assert!(
            (e - w).abs() <= 4.0 * f64::EPSILON * w.abs().max(1.0),
            "{e} vs {w}"
        );
    }

    let (re, eps) = parts(&(&a + &b - &a));
    assert_eq!((re, eps), (y.clone(), vy.clone()));

    let mut c = a.clone();
    c += &b;
    assert_eq!(parts(&c), (&x + &y, &vx + &vy));

    // Plain float and dual scalars on the right.
    assert_eq!(parts(&(&a * 2.0)), (&x * 2.0, &vx * 2.0));
    assert_eq!(parts(&(&a + 1.0)), (&x + 1.0, vx.clone()));
    let d = Dual::new(3.0, 1.0);
    let (re, eps) = parts(&(&a * d));
    assert_eq!(re, &x * 3.0);
    assert_eq!(eps, &vx * 3.0 + &x);
}

#[test]
fn mapv_and_reductions() {
    let x = array![0.1, 0.7, -1.2];
    let a = seeded(&x, &Array1::ones(3));
    let (re, eps) = parts(&a.mapv(|v| v.sin()));
    assert_eq!((re, eps), (x.mapv(f64::sin), x.mapv(f64::cos)));
    let s = a.sum();
    assert_eq!((s.re, s.eps), (x.sum(), 3.0));
    let p = a.product();
    // d(Π xᵢ) along (1, 1, 1) = Σᵢ Π_{j≠i} xⱼ.
    let want = x[1] * x[2] + x[0] * x[2] + x[0] * x[1];
    assert_eq!(p.re, x.product());
    assert!((p.eps - want).abs() <= 4.0 * f64::EPSILON * want.abs());
}

#[test]
fn dot_products_of_dual_arrays() {
    // d(Ax)/dt along x + t·v is A·v; d(xᵀx) = 2xᵀv.
    let m: Array2<f64> = array![[1.0, 2.0, 0.0], [-1.0, 0.5, 3.0]];
    let x = array![0.5, -1.0, 2.0];
    let v = array![1.0, 0.0, -2.0];
    let a = seeded(&x, &v);
    let md = m.mapv(Dual::constant);
    let (re, eps) = parts(&md.dot(&a));
    assert_eq!((re, eps), (m.dot(&x), m.dot(&v)));
    let q = a.dot(&a);
    assert_eq!((q.re, q.eps), (x.dot(&x), 2.0 * x.dot(&v)));
    // Matrix–matrix with DualVec lanes: lane k of (M X) is M times lane k of X.
    let xv: Array2<DualVec<f64, 2>> =
        Array2::from_shape_fn((3, 1), |(i, _)| DualVec::new(x[i], [v[i], 1.0]));
    let prod = m.mapv(DualVec::constant).dot(&xv);
    for i in 0..2 {
        assert_eq!(prod[[i, 0]].eps, [m.row(i).dot(&v), m.row(i).sum()]);
    }
}

#[test]
fn the_ndarray_of_the_api_is_re_exported() {
    // The Jacobian's type named through the re-export: no separate ndarray dependency needed.
    let (_, j): (Vec<f64>, hypergrad_ad::ndarray::Array2<f64>) =
        hypergrad_ad::forward::jacobian(|x| vec![x[0] * x[1]], &[2.0, 3.0]).unwrap();
    assert_eq!(j, hypergrad_ad::ndarray::array![[3.0, 2.0]]);
}
