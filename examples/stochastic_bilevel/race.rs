//! One race: the full-batch implicit hypergradient with L-BFGS against SOBA and SABA on the same
//! problem, every curve re-evaluated with the same exact `h(θ)`.

use hypergrad::bilevel::outer::{Bilevel, HyperEval, HyperObjective, Lbfgs, LineSearch};
use hypergrad::bilevel::stochastic::{FiniteSum, FullBatch, StochasticRun};
use hypergrad::bilevel::{BilevelError, Criterion, Method, Options};
use hypergrad::optim::{FixedPointMap, SolverParams};
use std::cell::RefCell;
use std::error::Error;
use std::time::Instant;

/// One point of a convergence curve.
#[derive(Clone, Copy, Debug)]
pub struct Point {
    pub seconds: f64,
    pub samples: usize,
    /// `h(θ)` by an inner solve to ‖∇G‖ ≤ 1e-10.
    pub criterion: f64,
}

pub struct Curve {
    pub label: &'static str,
    pub points: Vec<Point>,
}

/// `h(θ) = F(z*(θ))` by Newton–CG to ‖∇_z G‖ ≤ 1e-10, warm-started from the last call.
pub struct ValueFunction<'a, G: FiniteSum, F: FiniteSum> {
    inner: FullBatch<'a, G>,
    outer: FullBatch<'a, F>,
    warm: RefCell<Option<Vec<f64>>>,
}

impl<'a, G: FiniteSum, F: FiniteSum> ValueFunction<'a, G, F> {
    pub fn new(inner: &'a G, outer: &'a F) -> Self {
        Self {
            inner: FullBatch::new(inner),
            outer: FullBatch::new(outer),
            warm: RefCell::new(None),
        }
    }
    pub fn at(&self, theta: &[f64]) -> f64 {
        let params = SolverParams {
            tol: 1e-10,
            ..SolverParams::default()
        };
        let mut warm = self.warm.borrow_mut();
        let solution = self
            .inner
            .solve(theta, warm.as_deref(), &params)
            .expect("θ within the box and of the right length");
        let value = Criterion::value(&self.outer, &solution.x, theta);
        *warm = Some(solution.x);
        value
    }
}

/// A `HyperObjective` that records, after every evaluation, the seconds since the start and the
/// samples both sums have evaluated.
struct Counted<'b, 'a, G: FiniteSum, F: FiniteSum> {
    bilevel: Bilevel<'b, FullBatch<'a, G>, FullBatch<'a, F>>,
    start: Instant,
    log: Vec<(f64, usize)>,
}

impl<G: FiniteSum, F: FiniteSum> HyperObjective for Counted<'_, '_, G, F> {
    fn dim(&self) -> usize {
        self.bilevel.dim()
    }
    fn evaluate(&mut self, theta: &[f64], inner_tol: f64) -> Result<HyperEval, BilevelError> {
        let eval = self.bilevel.evaluate(theta, inner_tol)?;
        let samples = self.bilevel.problem.samples() + self.bilevel.criterion.samples();
        self.log.push((self.start.elapsed().as_secs_f64(), samples));
        Ok(eval)
    }
}

/// L-BFGS on the full-batch implicit hypergradient (`Method::Auto`), within the box.
pub fn full_batch<G: FiniteSum, F: FiniteSum>(
    inner: &G,
    outer: &F,
    theta0: &[f64],
    bounds: (f64, f64),
    max_steps: usize,
    h: &ValueFunction<'_, G, F>,
) -> Result<Curve, Box<dyn Error>> {
    let (inner, outer) = (FullBatch::new(inner), FullBatch::new(outer));
    let mut objective = Counted {
        bilevel: Bilevel::new(&inner, &outer, Method::Auto, Options::default()),
        start: Instant::now(),
        log: Vec::new(),
    };
    let line_search = LineSearch {
        bounds,
        max_steps,
        value_tol: 1e-9,
        // Finer than the default 1e-3, so that L-BFGS is not stopped short of 1e-4.
        step_tol: 1e-9,
        ..LineSearch::default()
    };
    let run = Lbfgs {
        line_search,
        ..Lbfgs::default()
    }
    .run(&mut objective, theta0)?;
    let mut points = vec![Point {
        seconds: 0.0,
        samples: 0,
        criterion: h.at(theta0),
    }];
    for (step, (seconds, samples)) in run.steps.iter().zip(&objective.log) {
        points.push(Point {
            seconds: *seconds,
            samples: *samples,
            criterion: h.at(&step.log_alpha),
        });
    }
    Ok(Curve {
        label: "full batch: implicit + L-BFGS",
        points,
    })
}

/// A stochastic run's snapshots as a curve (their criterion is already `h`).
pub fn curve(label: &'static str, run: &StochasticRun) -> Curve {
    Curve {
        label,
        points: run
            .trajectory
            .iter()
            .map(|s| Point {
                seconds: s.seconds,
                samples: s.samples,
                criterion: s.criterion,
            })
            .collect(),
    }
}

/// The first point of `curve` within `gap` of `best`.
pub fn reached(curve: &Curve, best: f64, gap: f64) -> Option<Point> {
    curve
        .points
        .iter()
        .find(|p| p.criterion - best <= gap)
        .copied()
}
