//! Each method's estimate at every budget (see the table of the [module](super)), from the
//! shared operator at a point ([`FixedPoint`]): forward-mode estimates on [`DualVec`] lanes,
//! reverse-mode ones by vector–Jacobian products on a tape.

use super::{Curve, Reference};
use crate::linalg::{dot, norm};
use crate::linear::Strategy;
use crate::method::{by_chunk, forward_form, MapRecurrence, Unrolling};
use crate::operator::{FixedPoint, Support};
use crate::{BilevelError, Criterion, FpadMode, LinearSolver, Method, Options, WarmStart, Warning};
use hypergrad_ad::reverse::{reverse_unrolled, Checkpoints};
use hypergrad_ad::{DualVec, Tape};
use hypergrad_optim::FixedPointMap;
use std::collections::BTreeMap;

/// What every estimate reads: the problem at θ, the budgets, the stored iterates, the
/// reference.
pub(super) struct Context<'a, P, C> {
    pub problem: &'a P,
    pub criterion: &'a C,
    pub theta: &'a [f64],
    pub start: &'a [f64],
    pub budgets: &'a [usize],
    pub stored: &'a BTreeMap<usize, Vec<f64>>,
    pub reference: &'a Reference,
    pub options: &'a Options,
}

/// A method's estimates at every budget, before they are compared with the reference.
struct Points {
    gradients: Vec<Vec<f64>>,
    /// `‖J_k − J*‖_F²`, summed over lanes (forward-mode estimates).
    jacobian_sq: Option<Vec<f64>>,
    /// (budget index, error).
    failures: Vec<(usize, BilevelError)>,
    /// (budget index, warning).
    warnings: Vec<(usize, Warning)>,
}

impl Points {
    fn new(budgets: usize, m: usize, jacobian: bool) -> Self {
        Self {
            gradients: vec![vec![0.0; m]; budgets],
            jacobian_sq: jacobian.then(|| vec![0.0; budgets]),
            failures: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

const IMPLICIT: &str = "an implicit Jacobian at an iterate";

/// A non-finite derivative is an error, never a point of a curve.
fn finite(values: &[f64], what: &'static str) -> Result<(), BilevelError> {
    if values.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(BilevelError::NonFinite { what })
    }
}

impl<P: FixedPointMap, C: Criterion> Context<'_, P, C> {
    pub fn curve(&self, method: Method) -> Result<Curve, BilevelError> {
        let points = match method {
            Method::ForwardUnrolled => self.forward_unrolled()?,
            Method::ReverseUnrolled {
                truncate,
                checkpoints,
            } => self.reverse_unrolled(truncate, checkpoints)?,
            Method::Fpad {
                mode: FpadMode::Forward,
            } => self.recursion(None)?,
            Method::Fpad {
                mode: FpadMode::Reverse,
            } => self.adjoint_recursion()?,
            Method::ImplicitForward => self.recursion(Some(self.reference_support()?))?,
            Method::Implicit { linear_solver } => self.implicit(linear_solver)?,
            Method::OneStep => self.one_step()?,
            Method::JacobianFree => self.jacobian_free()?,
            Method::Auto => {
                return Err(BilevelError::NoCurve {
                    method: method.name(),
                    reason: "Auto chooses per call",
                })
            }
        };
        Ok(self.curve_of(method, points))
    }

    fn curve_of(&self, method: Method, mut points: Points) -> Curve {
        let failed = |b: usize| points.failures.iter().any(|(i, _)| *i == b);
        let gradient_error = (0..self.budgets.len())
            .map(|b| {
                if failed(b) {
                    f64::INFINITY
                } else {
                    let gap: Vec<f64> = points.gradients[b]
                        .iter()
                        .zip(&self.reference.grad)
                        .map(|(a, r)| a - r)
                        .collect();
                    norm(&gap)
                }
            })
            .collect();
        let jacobian_error = points.jacobian_sq.as_ref().map(|sq| {
            sq.iter()
                .enumerate()
                .map(|(b, e)| if failed(b) { f64::INFINITY } else { e.sqrt() })
                .collect()
        });
        for (b, _) in &points.failures {
            points.gradients[*b].clear();
        }
        Curve {
            method,
            iterations: self.budgets.to_vec(),
            gradients: points.gradients,
            gradient_error,
            jacobian_error,
            failures: points
                .failures
                .into_iter()
                .map(|(b, e)| (self.budgets[b], e))
                .collect(),
            warnings: points
                .warnings
                .into_iter()
                .map(|(b, w)| (self.budgets[b], w))
                .collect(),
        }
    }

    fn lanes(&self) -> Vec<usize> {
        (0..self.theta.len()).collect()
    }

    fn last(&self) -> usize {
        self.budgets.last().copied().unwrap_or(0)
    }

    fn reference_support(&self) -> Result<Support, BilevelError> {
        match &self.reference.support {
            Some(s) => Ok(Support::new(self.reference.x.len(), s.clone())),
            None => Err(BilevelError::Unsupported {
                method: Method::ImplicitForward.name(),
                needs: "the support of the solution",
            }),
        }
    }

    /// The operators at `x`, restricted to its support (as the implicit methods are) if
    /// `support` is given.
    fn at<'b>(&'b self, x: &'b [f64], support: Option<&'b Support>) -> FixedPoint<'b, P, C> {
        FixedPoint::new((self.problem, self.criterion), x, self.theta, support)
    }

    /// The support of the stored iterate `x_k` (for the estimates at an iterate).
    fn support_at(&self, k: usize) -> Option<Support> {
        let x = &self.stored[&k];
        self.problem.support(x).map(|s| Support::new(x.len(), s))
    }

    /// Records lane `lane` of budget `b`: its gradient and the error of its Jacobian column
    /// (the whole state; the criterion's coefficients are compared).
    fn record(
        &self,
        points: &mut Points,
        b: usize,
        lane: usize,
        gradient: f64,
        column: impl Iterator<Item = f64>,
    ) {
        points.gradients[b][lane] = gradient;
        if let Some(sq) = points.jacobian_sq.as_mut() {
            sq[b] += column
                .zip(&self.reference.jacobian[lane])
                .map(|(a, r)| (a - r) * (a - r))
                .sum::<f64>();
        }
    }

    fn forward_unrolled(&self) -> Result<Points, BilevelError> {
        let mut points = Points::new(self.budgets.len(), self.theta.len(), true);
        for chunk in self.lanes().chunks(8) {
            by_chunk!(chunk.len(), unrolled_chunk(self, chunk, &mut points))?;
        }
        Ok(points)
    }

    fn reverse_unrolled(
        &self,
        truncate: Option<usize>,
        checkpoints: Checkpoints,
    ) -> Result<Points, BilevelError> {
        let mut points = Points::new(self.budgets.len(), self.theta.len(), false);
        let c = self.criterion.dim_x();
        for (b, &k) in self.budgets.iter().enumerate() {
            let d = truncate.map_or(k, |t| t.min(k));
            let program = Unrolling::plain(k);
            let recurrence = MapRecurrence {
                map: self.problem,
                program: &program,
                offset: k - d,
            };
            let result = reverse_unrolled(
                &mut Tape::new(),
                &recurrence,
                &self.stored[&(k - d)],
                self.theta,
                d,
                checkpoints,
                |x, th| self.criterion.value(&x[..c], th),
            )
            .map_err(|_| BilevelError::InvalidParameter {
                name: "checkpoints",
                value: 0.0,
                reason: "a checkpoint budget must be at least 1",
            })?;
            finite(&result.theta_bar, "an unrolled gradient (reverse mode)")?;
            points.gradients[b] = result.theta_bar;
        }
        Ok(points)
    }

    /// `J ← AJ + B` at `x*` from 0, on the support if given (FPAD, implicit-forward).
    fn recursion(&self, support: Option<Support>) -> Result<Points, BilevelError> {
        let fp = self.at(&self.reference.x, support.as_ref());
        let (gx, gt) = fp.criterion_gradient();
        let mut points = Points::new(self.budgets.len(), self.theta.len(), true);
        for chunk in self.lanes().chunks(8) {
            by_chunk!(
                chunk.len(),
                recursion_chunk(self, &fp, chunk, (&gx, &gt), &mut points)
            )?;
        }
        Ok(points)
    }

    /// Reverse FPAD: `v_k = Aᵀv_{k−1} + ∇ₓC` from `v_0 = 0` at `x*`, `g_k = ∂_θC + Bᵀv_k`.
    fn adjoint_recursion(&self) -> Result<Points, BilevelError> {
        let fp = self.at(&self.reference.x, None);
        let (gx, gt) = fp.criterion_gradient();
        let mut points = Points::new(self.budgets.len(), self.theta.len(), false);
        let (p, last) = (fp.dim(), self.last());
        fp.with_vjp(|vjp| {
            let (mut v, mut a, mut bt) = (gx.clone(), vec![0.0; p], vec![0.0; gt.len()]);
            let mut b = 0;
            for k in 1..=last {
                vjp(&v, &mut a, Some(&mut bt));
                finite(&bt, "an FPAD adjoint")?;
                if k == self.budgets[b] {
                    points.gradients[b] = gt.iter().zip(&bt).map(|(c, d)| c + d).collect();
                    b += 1;
                }
                v.iter_mut()
                    .zip(a.iter().zip(&gx))
                    .for_each(|(v, (a, g))| *v = a + g);
            }
            Ok::<_, BilevelError>(())
        })?;
        Ok(points)
    }

    /// Implicit differentiation at each iterate, on its support, each solved from 0 (a
    /// previous iterate's system may be singular: its solution is no warm start).
    fn implicit(&self, solver: LinearSolver) -> Result<Points, BilevelError> {
        let mut points = Points::new(self.budgets.len(), self.theta.len(), true);
        let c = self.criterion.dim_x();
        for (b, &k) in self.budgets.iter().enumerate() {
            let support = self.support_at(k);
            let fp = self.at(&self.stored[&k], support.as_ref());
            let strategy = Strategy::Fixed(solver);
            let mut warm = WarmStart::default();
            let start = forward_form::Start::Zero;
            let solved = match forward_form::solve(&fp, strategy, start, self.options, &mut warm) {
                Ok(solved) => solved,
                Err(e) => {
                    points.failures.push((b, e));
                    continue;
                }
            };
            let columns = warm.jacobian.take().unwrap_or_default();
            if let Err(e) = columns.iter().try_for_each(|col| finite(col, IMPLICIT)) {
                points.failures.push((b, e));
                continue;
            }
            if solved.contraction >= 1.0 {
                let rho = solved.contraction;
                points.warnings.push((b, Warning::NotContracting { rho }));
            }
            let residual = solved.linear.residual;
            if residual.is_nan() || residual > self.options.jacobian_tol {
                points
                    .warnings
                    .push((b, Warning::JacobianNotConverged { residual }));
            }
            for (lane, column) in columns.iter().enumerate() {
                let g = solved.grad[lane];
                self.record(&mut points, b, lane, g, column[..c].iter().copied());
            }
        }
        Ok(points)
    }

    /// `J ≈ ∂_θT(x_k)` on the support of `x_k`.
    fn one_step(&self) -> Result<Points, BilevelError> {
        let mut points = Points::new(self.budgets.len(), self.theta.len(), true);
        for (b, &k) in self.budgets.iter().enumerate() {
            let support = self.support_at(k);
            let fp = self.at(&self.stored[&k], support.as_ref());
            let (gx, gt) = fp.criterion_gradient();
            for chunk in self.lanes().chunks(8) {
                by_chunk!(
                    chunk.len(),
                    step_chunk(self, &fp, chunk, b, (&gx, &gt), &mut points)
                )?;
            }
        }
        Ok(points)
    }

    /// `∂_θC + ∂_θT(x_k)ᵀ∇ₓC` on the support of `x_k`.
    fn jacobian_free(&self) -> Result<Points, BilevelError> {
        let mut points = Points::new(self.budgets.len(), self.theta.len(), false);
        for (b, &k) in self.budgets.iter().enumerate() {
            let support = self.support_at(k);
            let fp = self.at(&self.stored[&k], support.as_ref());
            let (gx, gt) = fp.criterion_gradient();
            let mut a = vec![0.0; fp.dim()];
            let mut bt = vec![0.0; gt.len()];
            fp.with_vjp(|vjp| vjp(&gx, &mut a, Some(&mut bt)));
            finite(&bt, "a Jacobian-free gradient")?;
            points.gradients[b] = gt.iter().zip(&bt).map(|(c, d)| c + d).collect();
        }
        Ok(points)
    }
}

/// Forward mode through the iterations from the start for a chunk of lanes: at each budget,
/// the Jacobian columns and `dC/dθ` of the criterion evaluated on the dual state.
fn unrolled_chunk<const N: usize, P: FixedPointMap, C: Criterion>(
    ctx: &Context<'_, P, C>,
    lanes: &[usize],
    points: &mut Points,
) -> Result<(), BilevelError> {
    let theta: Vec<DualVec<f64, N>> = ctx
        .theta
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let mut eps = [0.0; N];
            if let Some(l) = lanes.iter().position(|&lane| lane == i) {
                eps[l] = 1.0;
            }
            DualVec::new(v, eps)
        })
        .collect();
    let mut x: Vec<DualVec<f64, N>> = ctx.start.iter().map(|&v| DualVec::constant(v)).collect();
    let mut next = x.clone();
    let c = ctx.criterion.dim_x();
    let mut b = 0;
    for k in 1..=ctx.last() {
        ctx.problem.apply_iteration(k - 1, &x, &theta, &mut next);
        std::mem::swap(&mut x, &mut next);
        if k == ctx.budgets[b] {
            let tangents: Vec<f64> = x
                .iter()
                .flat_map(|d| d.eps[..lanes.len()].to_vec())
                .collect();
            finite(&tangents, "an unrolled Jacobian (forward mode)")?;
            let value = ctx.criterion.value(&x[..c], &theta);
            for (l, &lane) in lanes.iter().enumerate() {
                let column = x[..c].iter().map(|d| d.eps[l]);
                ctx.record(points, b, lane, value.eps[l], column);
            }
            b += 1;
        }
    }
    Ok(())
}

/// `J ← AJ + B` from 0 for a chunk of lanes at the point of `fp`, recorded at each budget with
/// `g = ∂_θC + ∇ₓC·J` (`criterion = (∇ₓC, ∂_θC)` there).
fn recursion_chunk<const N: usize, P: FixedPointMap, C: Criterion>(
    ctx: &Context<'_, P, C>,
    fp: &FixedPoint<'_, P, C>,
    lanes: &[usize],
    criterion: (&[f64], &[f64]),
    points: &mut Points,
) -> Result<(), BilevelError> {
    let (gx, gt) = criterion;
    let c = ctx.criterion.dim_x();
    let mut buffers = fp.lanes::<N>();
    let mut j = vec![vec![0.0; fp.dim()]; lanes.len()];
    let mut next = j.clone();
    let mut b = 0;
    for k in 1..=ctx.last() {
        fp.jvp(&mut buffers, &j, lanes, 1.0, &mut next);
        std::mem::swap(&mut j, &mut next);
        if k == ctx.budgets[b] {
            for (column, &lane) in j.iter().zip(lanes) {
                finite(column, "an FPAD Jacobian")?;
                let g = gt[lane] + dot(gx, column);
                ctx.record(points, b, lane, g, column[..c].iter().copied());
            }
            b += 1;
        }
    }
    Ok(())
}

/// `B e_l = ∂_θT e_l` at the point of `fp` for a chunk of lanes, recorded at budget `b`.
fn step_chunk<const N: usize, P: FixedPointMap, C: Criterion>(
    ctx: &Context<'_, P, C>,
    fp: &FixedPoint<'_, P, C>,
    lanes: &[usize],
    b: usize,
    criterion: (&[f64], &[f64]),
    points: &mut Points,
) -> Result<(), BilevelError> {
    let (gx, gt) = criterion;
    let c = ctx.criterion.dim_x();
    let mut buffers = fp.lanes::<N>();
    let zero = vec![vec![0.0; fp.dim()]; lanes.len()];
    let mut columns = zero.clone();
    fp.jvp(&mut buffers, &zero, lanes, 1.0, &mut columns);
    for (column, &lane) in columns.iter().zip(lanes) {
        finite(column, "a one-step Jacobian")?;
        let g = gt[lane] + dot(gx, column);
        ctx.record(points, b, lane, g, column[..c].iter().copied());
    }
    Ok(())
}
