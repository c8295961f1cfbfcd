//! What every solver takes ([`SolverParams`]) and returns ([`Solution`], [`SolveReport`]).

/// Stopping parameters shared by the iterative solvers.
#[derive(Clone, Debug, PartialEq)]
pub struct SolverParams {
    /// Iteration cap; reaching it is reported as [`StopReason::MaxIterations`].
    pub max_iter: usize,
    /// Tolerance on the solver's stopping quantity (duality gap or fixed-point residual).
    pub tol: f64,
    /// Whether to record the objective and residual at every iteration.
    pub record_history: bool,
}

impl Default for SolverParams {
    fn default() -> Self {
        Self {
            max_iter: 10_000,
            tol: 1e-8,
            record_history: false,
        }
    }
}

/// Why a solver stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// The stopping quantity fell below the tolerance.
    Converged,
    /// The iteration cap was hit before the tolerance was met.
    MaxIterations,
    /// The iterates became non-finite.
    Diverged,
}

/// Per-iteration values, for plots.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// Objective value after each iteration.
    pub objective: Vec<f64>,
    /// Stopping quantity (gap or residual) after each iteration.
    pub residual: Vec<f64>,
}

/// How a solve went.
#[derive(Clone, Debug, PartialEq)]
pub struct SolveReport {
    /// Iterations (full passes / sweeps) performed.
    pub iterations: usize,
    /// Final fixed-point residual `‖x_{k+1} − x_k‖`.
    pub residual: f64,
    /// Final duality gap, for problems that have one.
    pub duality_gap: Option<f64>,
    /// Final objective value.
    pub objective: f64,
    /// Why it stopped.
    pub stop: StopReason,
    /// Per-iteration values, if requested.
    pub history: Option<History>,
    /// The non-degeneracy margin at the final iterate
    /// ([`FixedPointMap::non_degeneracy_margin`](crate::FixedPointMap::non_degeneracy_margin)),
    /// when the solver computed it with its last optimality check (the working-set solver of
    /// the ℓ1 least-squares models, from the residual it maintains); `None` otherwise.
    pub margin: Option<f64>,
}

impl SolveReport {
    /// Whether the tolerance was met.
    pub fn converged(&self) -> bool {
        self.stop == StopReason::Converged
    }
}

/// A solver's result: the solution and how it was reached.
#[derive(Clone, Debug, PartialEq)]
pub struct Solution {
    /// The final iterate.
    pub x: Vec<f64>,
    /// Iterations, residual, gap and stop reason.
    pub report: SolveReport,
}
