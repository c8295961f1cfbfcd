//! Error curves: how far the Jacobian `∂x/∂θ` and the hypergradient that a method returns after
//! a budget of `k` iterations are from a tight reference, for a list of budgets — the
//! curse-of-unrolling plot (seed 003: Ablin, Peyré & Moreau 2020; Scieur et al. 2022) for any
//! solver written as a [`FixedPointMap`], any [`Criterion`] and any method family.
//!
//! The budget `k` of each [`Method`]:
//!
//! | method | estimate after budget `k` |
//! | --- | --- |
//! | [`ForwardUnrolled`](Method::ForwardUnrolled) | forward mode through `x_{i+1} = T_i(x_i, θ)`, `i < k`, from the start |
//! | [`ReverseUnrolled`](Method::ReverseUnrolled) `{ truncate: None }` | reverse mode through the same `k` steps |
//! | [`ReverseUnrolled`](Method::ReverseUnrolled) `{ truncate: Some(d) }` | truncated backpropagation: reverse mode through the last `min(d, k)` of the `k` steps, `x_{k−d}` held constant |
//! | [`Fpad`](Method::Fpad) | `k` steps of `J ← AJ + B` (forward) or `v ← Aᵀv + ∇ₓC` (reverse) from 0 at `x*`, full space |
//! | [`ImplicitForward`](Method::ImplicitForward) | `k` steps of `J ← AJ + B` from 0 at `x*`, restricted to the support of `x*` |
//! | [`Implicit`](Method::Implicit) | implicit differentiation at `x_k` (the inner solver capped at `k` iterations), restricted to the support of `x_k`, its system solved to the Jacobian tolerance |
//! | [`OneStep`](Method::OneStep) | `J ≈ ∂_θT(x_k, θ)` (restricted to the support of `x_k`) |
//! | [`JacobianFree`](Method::JacobianFree) | `∇h ≈ ∂_θC + ∂_θT(x_k, θ)ᵀ∇ₓC`, by a vector–Jacobian product |
//!
//! with `x_k` the `k`-th iterate of `T` from the start, `A = ∂ₓT`, `B = ∂_θT`. [`Method::Auto`]
//! has no curve (it chooses per call): pass the method it reports.
//!
//! The reference is the implicit derivative at `x*` solved to the given tolerances (restricted
//! to the support when the problem has one); its own estimated error
//! ([`Reference::error_estimate`]) is the floor below which a curve means nothing. Forward-mode
//! estimates give the Jacobian error (on the coefficients the criterion reads); reverse-mode
//! ones the hypergradient error only.

mod estimates;

use crate::hypergradient::{check_inputs, SAFETY};
use crate::linalg::norm;
use crate::linear::Strategy;
use crate::method::forward_form;
use crate::operator::{FixedPoint, Support};
use crate::{BilevelError, Criterion, Method, Options, WarmStart, Warning};
use hypergrad_optim::{FixedPointMap, SolveReport, SolverParams};
use std::collections::BTreeMap;

/// The budgets at which the curves are measured and the tolerances of the reference.
#[derive(Clone, Debug, PartialEq)]
pub struct CurveOptions {
    /// The budgets `k`, strictly increasing, each at least 1.
    pub iterations: Vec<usize>,
    /// The start `x_0` of the iterations (zeros if `None`).
    pub start: Option<Vec<f64>>,
    /// The tolerances of the reference (inner solve and implicit system) and of
    /// [`Method::Implicit`]'s system at each iterate.
    pub options: Options,
}

impl CurveOptions {
    /// Every budget `1, …, max`, a reference solved to an inner tolerance of 1e-13 and a
    /// relative Jacobian residual of 1e-12.
    pub fn up_to(max: usize) -> Self {
        Self::every(1, max)
    }

    /// The budgets `stride, 2·stride, …` up to `max`, and `max`; tolerances as [`Self::up_to`]
    /// (a zero `stride` or `max` is reported by [`error_curves`]).
    pub fn every(stride: usize, max: usize) -> Self {
        let mut iterations: Vec<usize> = (1..=max / stride.max(1))
            .map(|i| i * stride.max(1))
            .collect();
        if iterations.last() != Some(&max) && stride > 0 {
            iterations.push(max);
        }
        Self {
            iterations: if stride == 0 { Vec::new() } else { iterations },
            start: None,
            options: Options {
                inner_tol: 1e-13,
                jacobian_tol: 1e-12,
                ..Options::default()
            },
        }
    }
}

/// The tight derivative the curves are measured against.
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    /// `x*(θ)` (the whole state).
    pub x: Vec<f64>,
    /// `h(θ) = C(x*, θ)`.
    pub value: f64,
    /// `∇h(θ)`.
    pub grad: Vec<f64>,
    /// The columns `∂x*/∂θ_i`, on the coefficients the criterion reads.
    pub jacobian: Vec<Vec<f64>>,
    /// The support of `x*`, for problems that have one.
    pub support: Option<Vec<usize>>,
    /// `ρ(A)` at `x*` (restricted to the support): the rate the convergent curves approach.
    pub contraction: f64,
    /// The estimated relative error of `grad` (as
    /// [`Diagnostics::error_estimate`](crate::Diagnostics::error_estimate)).
    pub error_estimate: f64,
    /// The inner solve's report.
    pub inner: SolveReport,
}

/// The `k`-th iterate of `T` from the start, compared with `x*`.
#[derive(Clone, Debug, PartialEq)]
pub struct Iterate {
    /// The budget `k`.
    pub k: usize,
    /// `‖x_k − x*‖` (whole state).
    pub distance: f64,
    /// `|supp(x_k)|`, for problems with a support.
    pub support_size: Option<usize>,
    /// Whether `supp(x_k) = supp(x*)`, for problems with a support.
    pub support_identified: Option<bool>,
}

/// One method's errors at each budget.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    /// The method.
    pub method: Method,
    /// The budgets `k` (those of [`CurveOptions::iterations`]).
    pub iterations: Vec<usize>,
    /// The estimate `g_k` of `∇h(θ)` at each budget (empty where the method failed).
    pub gradients: Vec<Vec<f64>>,
    /// `‖g_k − ∇h‖` (`+∞` where the method failed).
    pub gradient_error: Vec<f64>,
    /// `‖J_k − J*‖_F` on the coefficients the criterion reads, for the forward-mode estimates
    /// (`+∞` where the method failed); `None` for the reverse-mode ones.
    pub jacobian_error: Option<Vec<f64>>,
    /// The budgets at which the method failed and why (an implicit system at an iterate whose
    /// linear solve broke down).
    pub failures: Vec<(usize, BilevelError)>,
    /// The budgets at which [`Method::Implicit`]'s system at the iterate is not one the theory
    /// covers ([`Warning::NotContracting`]: `ρ ≥ 1`, as on a support larger than the rank of
    /// the design) or was not solved to tolerance ([`Warning::JacobianNotConverged`]): the
    /// estimate there is what the method returns, usually far off.
    pub warnings: Vec<(usize, Warning)>,
}

impl Curve {
    /// The mean linear rate `(e_b / e_a)^{1/(b − a)}` of the error between the budgets `a < b`
    /// (the Jacobian error when there is one, else the gradient error); `None` if a budget was
    /// not measured or an error there is zero or infinite.
    pub fn rate(&self, a: usize, b: usize) -> Option<f64> {
        let errors = self.jacobian_error.as_ref().unwrap_or(&self.gradient_error);
        let at = |k| {
            self.iterations
                .iter()
                .position(|&i| i == k)
                .map(|i| errors[i])
        };
        let (ea, eb) = (at(a)?, at(b)?);
        let usable = |e: f64| e > 0.0 && e.is_finite();
        (a < b && usable(ea) && usable(eb)).then(|| (eb / ea).powf(1.0 / (b - a) as f64))
    }
}

/// The reference, the iterates and one curve per method.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorCurves {
    /// The tight derivative.
    pub reference: Reference,
    /// The iterates at each budget.
    pub iterates: Vec<Iterate>,
    /// One curve per method asked for, in order.
    pub curves: Vec<Curve>,
}

impl ErrorCurves {
    /// The first budget from which every measured iterate has the support of `x*` (`None`
    /// without a support, or if the last one does not).
    pub fn identified_at(&self) -> Option<usize> {
        let last_bad = self
            .iterates
            .iter()
            .rposition(|i| i.support_identified != Some(true));
        match last_bad {
            None => self.iterates.first().map(|i| i.k),
            Some(i) => self.iterates.get(i + 1).map(|i| i.k),
        }
    }

    /// The curve of `method`, if it was asked for.
    pub fn curve(&self, method: &Method) -> Option<&Curve> {
        self.curves.iter().find(|c| c.method == *method)
    }
}

/// The error curves of `methods` for `problem` and `criterion` at log-hyperparameters `θ`,
/// at the budgets of `options` (see the [module documentation](self) for what `k` means for
/// each method).
///
/// Errors: shapes that do not agree (θ, the start), non-finite θ or invalid options; budgets
/// empty, zero or not increasing; [`Method::Auto`] ([`BilevelError::NoCurve`]); a method that
/// needs a support the problem does not have; a reference that is not tight (the inner solve or
/// its implicit system stopped above tolerance: [`BilevelError::NotConverged`]); iterates or
/// unrolled derivatives that diverge ([`BilevelError::NonFinite`]).
///
/// The curse of unrolling on a Lasso solved by coordinate descent: forward unrolling and
/// implicit-forward after every budget `k ≤ 60`, against the implicit derivative at `x*`.
///
/// ```
/// use hypergrad_bilevel::curves::{error_curves, CurveOptions};
/// use hypergrad_bilevel::{HeldOutMse, Method};
/// use hypergrad_optim::{Design, Lasso};
/// use ndarray::array;
///
/// let x = array![[1.0, 0.2, 0.0], [0.3, 1.0, 0.5], [0.5, -0.4, 1.0], [-0.2, 0.9, 0.3]];
/// let lasso = Lasso::new(Design::dense(x)?, array![1.0, 2.0, 0.1, 1.5].view())?;
/// let validation = HeldOutMse::new(
///     Design::dense(array![[0.9, 0.1, 0.2], [0.2, 1.1, -0.3]])?,
///     array![0.8, 2.1].view(),
/// )?;
/// let theta = [(lasso.alpha_max() / 10.0).ln()];
/// let methods = [Method::ForwardUnrolled, Method::ImplicitForward];
/// let curves = error_curves(&lasso, &validation, &theta, &methods, &CurveOptions::up_to(60))?;
/// for curve in &curves.curves {
///     // |g_k − ∇h| for k = 1, …, 60; both decay linearly once the support is identified.
///     let (first, last) = (curve.gradient_error[0], curve.gradient_error[59]);
///     println!("{}: {first:.1e} at k = 1, {last:.1e} at k = 60", curve.method.name());
///     assert!(last < 1e-8 * first.max(1e-300) || last < 1e-12);
/// }
/// assert!(curves.identified_at().is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn error_curves<P: FixedPointMap, C: Criterion>(
    problem: &P,
    criterion: &C,
    theta: &[f64],
    methods: &[Method],
    options: &CurveOptions,
) -> Result<ErrorCurves, BilevelError> {
    check_inputs(problem, criterion, theta, &options.options)?;
    check_budgets(&options.iterations)?;
    let p = problem.dim_x();
    let start = match &options.start {
        Some(s) if s.len() != p => {
            return Err(BilevelError::ShapeMismatch {
                what: "start",
                expected: p,
                got: s.len(),
            })
        }
        Some(s) => s.clone(),
        None => vec![0.0; p],
    };
    for method in methods {
        method.validate()?;
        if *method == Method::Auto {
            return Err(BilevelError::NoCurve {
                method: method.name(),
                reason: "Auto chooses per call; pass the method it reports in Diagnostics::method",
            });
        }
    }
    let reference = reference(problem, criterion, theta, &options.options)?;
    let stored = iterates(
        problem,
        theta,
        &start,
        &needed(methods, &options.iterations),
    )?;
    let iterates = options
        .iterations
        .iter()
        .map(|&k| {
            let x = &stored[&k];
            let distance = norm(&difference(x, &reference.x));
            let support = problem.support(x);
            let support_identified = reference
                .support
                .as_ref()
                .map(|s| support.as_ref() == Some(s));
            Iterate {
                k,
                distance,
                support_size: support.map(|s| s.len()),
                support_identified,
            }
        })
        .collect();
    let context = estimates::Context {
        problem,
        criterion,
        theta,
        start: &start,
        budgets: &options.iterations,
        stored: &stored,
        reference: &reference,
        options: &options.options,
    };
    let curves = methods
        .iter()
        .map(|method| context.curve(*method))
        .collect::<Result<_, _>>()?;
    Ok(ErrorCurves {
        reference,
        iterates,
        curves,
    })
}

fn check_budgets(iterations: &[usize]) -> Result<(), BilevelError> {
    let increasing = iterations.windows(2).all(|w| w[0] < w[1]);
    match iterations.first() {
        None => Err(BilevelError::InvalidParameter {
            name: "iterations",
            value: 0.0,
            reason: "at least one budget is needed",
        }),
        Some(0) => Err(BilevelError::InvalidParameter {
            name: "iterations",
            value: 0.0,
            reason: "budgets must be at least 1",
        }),
        Some(_) if !increasing => Err(BilevelError::InvalidParameter {
            name: "iterations",
            value: f64::NAN,
            reason: "budgets must be strictly increasing",
        }),
        Some(_) => Ok(()),
    }
}

/// The tight solve and its implicit derivative (forward form, every lane).
fn reference<P: FixedPointMap, C: Criterion>(
    problem: &P,
    criterion: &C,
    theta: &[f64],
    options: &Options,
) -> Result<Reference, BilevelError> {
    let params = SolverParams {
        max_iter: options.inner_max_iter,
        tol: options.inner_tol,
        record_history: false,
    };
    let solution = problem.solve(theta, None, &params)?;
    if !solution.report.converged() || solution.x.iter().any(|v| !v.is_finite()) {
        return Err(BilevelError::NotConverged {
            what: "the reference inner solve",
            residual: solution.report.residual,
        });
    }
    let p = solution.x.len();
    let support = problem.support(&solution.x);
    let restriction = support.clone().map(|s| Support::new(p, s));
    let fp = FixedPoint::new(
        (problem, criterion),
        &solution.x,
        theta,
        restriction.as_ref(),
    );
    let mut warm = WarmStart::default();
    let start = forward_form::Start::Zero;
    let solved = forward_form::solve(&fp, Strategy::WarmNeumann, start, options, &mut warm)?;
    if solved.linear.residual.is_nan() || solved.linear.residual > options.jacobian_tol {
        return Err(BilevelError::NotConverged {
            what: "the reference's implicit system",
            residual: solved.linear.residual,
        });
    }
    let scale = norm(&solved.grad);
    let total = SAFETY * solved.error.total();
    let error_estimate = match (total, scale) {
        (0.0, _) => 0.0,
        (e, s) if s > 0.0 => e / s,
        _ => f64::INFINITY,
    };
    let c = criterion.dim_x();
    Ok(Reference {
        value: criterion.value(&solution.x[..c], theta),
        grad: solved.grad,
        jacobian: warm
            .jacobian
            .take()
            .unwrap_or_default()
            .into_iter()
            .map(|mut col| {
                col.truncate(c);
                col
            })
            .collect(),
        support,
        contraction: solved.contraction,
        error_estimate,
        inner: solution.report,
        x: solution.x,
    })
}

/// The iterates the methods read: every budget, the start, and the start of each truncated
/// backpropagation.
fn needed(methods: &[Method], budgets: &[usize]) -> Vec<usize> {
    let mut needed: Vec<usize> = budgets.to_vec();
    needed.push(0);
    for method in methods {
        if let Method::ReverseUnrolled {
            truncate: Some(d), ..
        } = method
        {
            needed.extend(budgets.iter().map(|&k| k - (*d).min(k)));
        }
    }
    needed.sort_unstable();
    needed.dedup();
    needed
}

/// `x_k` for each `k` in `needed` (sorted), iterating `T_k` in `f64` from `start`.
fn iterates<P: FixedPointMap>(
    problem: &P,
    theta: &[f64],
    start: &[f64],
    needed: &[usize],
) -> Result<BTreeMap<usize, Vec<f64>>, BilevelError> {
    let mut stored = BTreeMap::new();
    let (mut x, mut next) = (start.to_vec(), start.to_vec());
    let last = needed.last().copied().unwrap_or(0);
    for k in 0..=last {
        if needed.binary_search(&k).is_ok() {
            stored.insert(k, x.clone());
        }
        if k < last {
            problem.apply_iteration(k, &x, theta, &mut next);
            std::mem::swap(&mut x, &mut next);
            if x.iter().any(|v| !v.is_finite()) {
                return Err(BilevelError::NonFinite {
                    what: "an iterate (the iterations diverged)",
                });
            }
        }
    }
    Ok(stored)
}

fn difference(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x - y).collect()
}
