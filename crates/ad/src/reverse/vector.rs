//! The vector operations of [`Scalar`] on tape variables: one composite node per call.
//!
//! Values are computed by the same kernels as on plain numbers (bit for bit); constants enter
//! composite nodes as the sink (no leaf node); a call whose operands are all constants records
//! nothing and returns constants.

use super::tape::{Composite, Tape, WideKind};
use super::Var;
use crate::custom::{CustomRule, CustomVjp};
use crate::elementwise::{Elementwise, MAX_PARAMS};
use crate::kernels::{apply_by_parts, check_custom, check_len, check_map, lanes_sum};
use crate::operator::LinearOperator;
use crate::{DualVec, Scalar};
use std::sync::Arc;

/// The tape of the first variable among `vs`, if any.
#[inline]
fn tape_of<'a, 't: 'a, T: Scalar + 'a>(
    vs: impl IntoIterator<Item = &'a Var<'t, T>>,
) -> Option<&'t Tape<T>> {
    vs.into_iter().find_map(|v| v.tape)
}

/// The values of `vs`.
fn values<T: Scalar>(vs: &[Var<'_, T>]) -> Vec<T> {
    vs.iter().map(|v| v.value).collect()
}

/// `Σᵢ aᵢ bᵢ`: one node, partials `bᵢ` for `aᵢ` and `aᵢ` for `bᵢ`.
pub(super) fn dot<'t, T: Scalar>(a: &[Var<'t, T>], b: &[Var<'t, T>]) -> Var<'t, T> {
    check_len("dot", b.len(), a.len());
    let value = lanes_sum(a.len(), |i| a[i].value * b[i].value);
    match tape_of(a.iter().chain(b)) {
        None => Var::constant(value),
        Some(t) => t.record_wide(
            value,
            WideKind::Dot,
            a.iter()
                .zip(b)
                .flat_map(|(x, y)| [(*x, y.value), (*y, x.value)]),
        ),
    }
}

/// `Σᵢ aᵢ wᵢ`: one node, partials `wᵢ`.
pub(super) fn dot_const<'t, T: Scalar>(a: &[Var<'t, T>], w: &[f64]) -> Var<'t, T> {
    check_len("dot_const", w.len(), a.len());
    let value = lanes_sum(a.len(), |i| a[i].value * w[i]);
    match tape_of(a) {
        None => Var::constant(value),
        Some(t) => t.record_wide(
            value,
            WideKind::Weighted,
            a.iter().zip(w).map(|(x, &wi)| (*x, T::from_f64(wi))),
        ),
    }
}

/// `Σᵢ xᵢ`: one node, partials 1.
pub(super) fn sum<'t, T: Scalar>(x: &[Var<'t, T>]) -> Var<'t, T> {
    let value = lanes_sum(x.len(), |i| x[i].value);
    match tape_of(x) {
        None => Var::constant(value),
        Some(t) => t.record_wide(value, WideKind::Sum, x.iter().map(|v| (*v, T::one()))),
    }
}

/// `‖x‖²`: one node, partials `2xᵢ`.
pub(super) fn norm_sq<'t, T: Scalar>(x: &[Var<'t, T>]) -> Var<'t, T> {
    let value = lanes_sum(x.len(), |i| x[i].value * x[i].value);
    match tape_of(x) {
        None => Var::constant(value),
        Some(t) => t.record_wide(
            value,
            WideKind::NormSq,
            x.iter().map(|v| (*v, v.value + v.value)),
        ),
    }
}

/// `y ← α x + y`: one node with `n` outputs.
pub(super) fn axpy<'t, T: Scalar>(alpha: Var<'t, T>, x: &[Var<'t, T>], y: &mut [Var<'t, T>]) {
    check_len("axpy", y.len(), x.len());
    let Some(t) = tape_of(std::iter::once(&alpha).chain(x).chain(y.iter())) else {
        for (yi, xi) in y.iter_mut().zip(x) {
            yi.value += alpha.value * xi.value;
        }
        return;
    };
    let first = {
        let mut r = t.rec.borrow_mut();
        let (args_at, partials_at, consts_at) = (r.args.len(), r.partials.len(), r.consts.len());
        for v in std::iter::once(&alpha).chain(x).chain(y.iter()) {
            r.push_operand(t, v);
        }
        r.partials.push(alpha.value);
        r.partials.extend(x.iter().map(|v| v.value));
        r.push_special(
            x.len(),
            consts_at,
            Composite::Axpy {
                args_at,
                partials_at,
            },
        )
    };
    for (i, (yi, xi)) in y.iter_mut().zip(x).enumerate() {
        *yi = Var::on_tape(yi.value + alpha.value * xi.value, first + i as u32, t);
    }
}

/// `y = A x` (`transpose`: `y = Aᵀ x`): one node with `len(y)` outputs; the tape keeps a clone of
/// the `Arc` (one per distinct operator), not the entries.
pub(super) fn apply<'t, T: Scalar, A: LinearOperator + 'static>(
    a: &Arc<A>,
    transpose: bool,
    x: &[Var<'t, T>],
    y: &mut [Var<'t, T>],
) {
    let mut yv = vec![T::zero(); y.len()];
    apply_by_parts(&**a, transpose, &values(x), &mut yv);
    let Some(t) = tape_of(x) else {
        y.iter_mut()
            .zip(yv)
            .for_each(|(yi, v)| *yi = Var::constant(v));
        return;
    };
    let first = {
        let mut r = t.rec.borrow_mut();
        let key = Arc::as_ptr(a) as *const ();
        let operator = match r
            .operators
            .iter()
            .rposition(|o| Arc::as_ptr(o) as *const () == key)
        {
            Some(k) => k,
            None => {
                r.operators.push(a.clone());
                r.operators.len() - 1
            }
        };
        let (args_at, consts_at) = (r.args.len(), r.consts.len());
        for v in x {
            r.push_operand(t, v);
        }
        r.push_special(
            y.len(),
            consts_at,
            Composite::Operator {
                operator,
                transpose,
                args_at,
            },
        )
    };
    for (i, (yi, v)) in y.iter_mut().zip(yv).enumerate() {
        *yi = Var::on_tape(v, first + i as u32, t);
    }
}

/// `outᵢ = f(xᵢ; wᵢ, p)` (no `wᵢ` if `w` is `None`): one node with `n` outputs; the partials
/// of each entry come from one evaluation of `f` on `DualVec<T, 3>` (lanes: `xᵢ`, then the
/// parameters).
pub(super) fn map<'t, T: Scalar, F: Elementwise>(
    f: &F,
    x: &[Var<'t, T>],
    w: Option<&[Var<'t, T>]>,
    p: &[Var<'t, T>],
    out: &mut [Var<'t, T>],
) {
    check_map(x.len(), w.map(<[_]>::len), p.len(), out.len());
    const LANES: usize = 1 + MAX_PARAMS;
    let z = usize::from(w.is_some());
    let k = p.len();
    let mut pd = [DualVec::<T, LANES>::constant(T::zero()); MAX_PARAMS];
    for (i, v) in p.iter().enumerate() {
        pd[z + i] = DualVec::variable(v.value, 1 + z + i);
    }
    let ws = w.unwrap_or(&[]);
    let Some(t) = tape_of(x.iter().chain(ws).chain(p)) else {
        let mut pv = vec![T::zero(); z];
        pv.extend(p.iter().map(|v| v.value));
        for (i, (o, xi)) in out.iter_mut().zip(x).enumerate() {
            if let Some(w) = w {
                pv[0] = w[i].value;
            }
            *o = Var::constant(f.eval(xi.value, &pv));
        }
        return;
    };
    let first = {
        let mut r = t.rec.borrow_mut();
        let (args_at, partials_at, consts_at) = (r.args.len(), r.partials.len(), r.consts.len());
        for v in x.iter().chain(ws).chain(p) {
            r.push_operand(t, v);
        }
        for (i, (o, xi)) in out.iter_mut().zip(x).enumerate() {
            if let Some(w) = w {
                pd[0] = DualVec::variable(w[i].value, 1);
            }
            let d = f.eval(DualVec::variable(xi.value, 0), &pd[..z + k]);
            o.value = d.re;
            r.partials.extend_from_slice(&d.eps[..1 + z + k]);
        }
        r.maps.push(Box::new(f.clone()));
        let map = r.maps.len() - 1;
        r.push_special(
            x.len(),
            consts_at,
            Composite::Diagonal {
                args_at,
                partials_at,
                zipped: w.is_some(),
                params: k,
                map,
            },
        )
    };
    for (i, o) in out.iter_mut().enumerate() {
        *o = Var::on_tape(o.value, first + i as u32, t);
    }
}

/// `y = g(x)` for a custom rule: the value by `T::custom`, then one node per output whose
/// partials are a row of the Jacobian, `Jᵀ eⱼ` by the rule's VJP.
pub(super) fn custom<'t, T: Scalar, R: CustomRule + ?Sized>(
    rule: &R,
    x: &[Var<'t, T>],
    y: &mut [Var<'t, T>],
) {
    check_custom(rule, x.len(), y.len());
    let xv = values(x);
    let mut yv = vec![T::zero(); y.len()];
    T::custom(rule, &xv, &mut yv);
    let Some(t) = tape_of(x) else {
        y.iter_mut()
            .zip(yv)
            .for_each(|(yi, v)| *yi = Var::constant(v));
        return;
    };
    let mut e = vec![T::zero(); y.len()];
    let mut row = vec![T::zero(); x.len()];
    for (j, (yj, v)) in y.iter_mut().zip(yv).enumerate() {
        e[j] = T::one();
        rule.vjp(&xv, &e, &mut row);
        e[j] = T::zero();
        *yj = t.record_opaque(v, x.iter().copied().zip(row.iter().copied()));
    }
}

/// `y = g(x)` for a [`CustomVjp`] rule: the value by `rule.eval` on `T`, then one node with
/// `len(y)` outputs that keeps the input and output values and a clone of the `Arc`; its reverse
/// sweep is one call of `rule.vjp`.
pub(super) fn custom_vjp<'t, T: Scalar, R: CustomVjp>(
    rule: &Arc<R>,
    x: &[Var<'t, T>],
    y: &mut [Var<'t, T>],
) {
    check_len("custom_vjp input", x.len(), rule.n_inputs());
    check_len("custom_vjp output", y.len(), rule.n_outputs());
    let xv = values(x);
    let mut yv = vec![T::zero(); y.len()];
    rule.eval(&xv, &mut yv);
    let Some(t) = tape_of(x) else {
        y.iter_mut()
            .zip(yv)
            .for_each(|(yi, v)| *yi = Var::constant(v));
        return;
    };
    let first = {
        let mut r = t.rec.borrow_mut();
        let key = Arc::as_ptr(rule) as *const ();
        let index = match r
            .pullbacks
            .iter()
            .rposition(|o| Arc::as_ptr(o) as *const () == key)
        {
            Some(k) => k,
            None => {
                r.pullbacks.push(rule.clone());
                r.pullbacks.len() - 1
            }
        };
        let (args_at, values_at, consts_at) = (r.args.len(), r.partials.len(), r.consts.len());
        for v in x {
            r.push_operand(t, v);
        }
        r.partials.extend_from_slice(&xv);
        r.partials.extend_from_slice(&yv);
        r.push_special(
            y.len(),
            consts_at,
            Composite::Pullback {
                rule: index,
                args_at,
                values_at,
                inputs: x.len(),
            },
        )
    };
    for (i, (yi, v)) in y.iter_mut().zip(yv).enumerate() {
        *yi = Var::on_tape(v, first + i as u32, t);
    }
}
