//! What a hypergradient computation returns besides the gradient: [`Diagnostics`], its
//! [`Warning`]s and the [`ErrorParts`] of its error estimate; and the [`WarmStart`] carried
//! from one outer step to the next.

use crate::linear::Fallback;
use crate::{LinearSolver, Method};
use hypergrad_ad::reverse::TapeStats;
use hypergrad_optim::SolveReport;

/// A condition of the theory that failed, or an approximation that matters: the gradient may
/// be inaccurate by about [`Diagnostics::error_estimate`].
#[derive(Clone, Debug, PartialEq)]
pub enum Warning {
    /// The inner solver hit its cap before its tolerance.
    InnerNotConverged,
    /// The Jacobian iterations or the linear solve hit their cap before their tolerance.
    JacobianNotConverged {
        /// The relative residual reached.
        residual: f64,
    },
    /// A zero coefficient sits at the threshold (margin ≤ 0): the support may change under a
    /// small change of θ and the restricted formulas need not hold.
    Degenerate {
        /// The non-degeneracy margin.
        margin: f64,
    },
    /// A linear solver failed (broke down, diverged, or was asked for a system it cannot
    /// solve) and another one continued: the result is the second one's. The planned hand-over
    /// of warm Neumann iterations to a Krylov method is not a failure (it is listed in
    /// [`Diagnostics::fallbacks`] only).
    LinearSolverFallback(Fallback),
    /// The measured contraction factor of `∂ₓT` at the solution is not below 1: the fixed-point
    /// theory does not apply and the error cannot be bounded (the estimate is infinite).
    NotContracting {
        /// The estimate of `ρ(∂ₓT)`.
        rho: f64,
    },
    /// Coordinates off the support that the map moves (optimality conditions the inner solve
    /// left violated): the support is not the solution's, and the restricted formulas miss
    /// them. The error they cause is in the estimate (its `inner` part) and exceeds the
    /// Jacobian tolerance.
    SupportNotIdentified {
        /// How many coordinates off the support the map moves.
        violations: usize,
        /// The estimated relative error they cause.
        relative: f64,
    },
    /// An approximate method (one-step, Jacobian-free, truncated or unconverged unrolling)
    /// whose estimated bias exceeds the Jacobian tolerance.
    Biased {
        /// The estimated relative error it causes.
        relative: f64,
    },
}

/// The absolute error estimate of a gradient, by source (each an estimate of the norm of the
/// error it causes; see [`Diagnostics::error_estimate`]).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ErrorParts {
    /// From the inner solution's inaccuracy, propagated to first order along the fixed-point
    /// residual `r = T(x̂) − x̂`: `κ·‖G(x̂ + r) − G(x̂)‖` plus the change of the linear system
    /// there, `G` the method's gradient formula with its Jacobian (or adjoint) held fixed;
    /// plus, when the support is not identified, the distance to the implicit derivative over
    /// the enlarged support ([`Warning::SupportNotIdentified`]).
    pub inner: f64,
    /// From the linear-system residual: `κ·‖∇ₓC‖·‖res‖` per forward lane, `κ·‖∂_θTᵀ res‖`
    /// in the adjoint form.
    pub linear: f64,
    /// The bias of an approximate method: the term it drops, `κ·‖∇ₓC‖·‖A·∂_θT‖` (one-step),
    /// `κ·‖∂_θTᵀAᵀ∇ₓC‖` (Jacobian-free), `κ·‖∂_θTᵀ x̄₀‖` (the tail an unrolling left out, `x̄₀`
    /// the adjoint reaching its start), `κρ·|g_K − g_{K−1}|` (forward unrolling).
    pub bias: f64,
    /// Rounding: `16ε·κ·(‖ĝ‖ + ‖∂_θC‖)`.
    pub rounding: f64,
}

impl ErrorParts {
    /// The sum of the parts.
    pub fn total(&self) -> f64 {
        self.inner + self.linear + self.bias + self.rounding
    }
}

/// What happened while computing a hypergradient.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostics {
    /// The method that ran (for [`Method::Auto`], the one it chose).
    pub method: Method,
    /// Why [`Method::Auto`] chose it (empty for an explicit method).
    pub choice: String,
    /// The inner solver's report.
    pub inner: SolveReport,
    /// Jacobian / linear-solver products (or unrolled steps), summed over chunks of lanes.
    pub jacobian_iterations: usize,
    /// Largest relative residual `‖(I − A)J − B‖/‖B‖` (or of the adjoint system) over
    /// hyperparameters, for the methods that solve that system.
    pub linear_residual: Option<f64>,
    /// The linear solver that produced the result, for the methods that solve a system.
    pub linear_solver: Option<LinearSolver>,
    /// Every hand-over from one linear solver to another.
    pub fallbacks: Vec<Fallback>,
    /// `|S|`, for models with a support.
    pub support_size: Option<usize>,
    /// `min_{j ∉ S} (α_j − |∇_j f(x*)|)`, for models with a support.
    pub margin: Option<f64>,
    /// The estimated contraction factor `ρ` of `∂ₓT` at the solution (restricted to the
    /// support when the method is), where the estimate needed it.
    pub contraction: Option<f64>,
    /// An a-posteriori estimate of `‖ĝ − ∇h‖ / ‖ĝ‖`: twice the sum of [`ErrorParts`] divided by
    /// `‖ĝ‖`, with `κ = 1/(1 − ρ)` standing for `‖(I − A)⁻¹‖` (infinite when `ρ ≥ 1`). A
    /// first-order estimate, not a proof: on the test suite (`tests/error_estimate.rs`) it is
    /// above the true error in every case and within two orders of magnitude of it.
    pub error_estimate: f64,
    /// The estimate's parts (absolute).
    pub error_parts: ErrorParts,
    /// Tape memory, for reverse unrolling.
    pub tape: Option<TapeUse>,
    /// Failed conditions and approximations that matter; empty when the theory's assumptions
    /// were checked and hold and the estimate is within the tolerances.
    pub warnings: Vec<Warning>,
}

/// The memory reverse unrolling used.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TapeUse {
    /// States stored at segment starts (O(√K) with uniform checkpoints).
    pub stored_states: usize,
    /// The largest tape recorded at once.
    pub peak: TapeStats,
}

/// The value `h(θ) = C(x*(θ), θ)`, its gradient in θ (log scale), the inner solution and
/// diagnostics.
#[derive(Clone, Debug, PartialEq)]
pub struct Hypergradient {
    /// `h(θ)`.
    pub value: f64,
    /// `∇h(θ)`.
    pub grad: Vec<f64>,
    /// The inner solution `x*(θ)` (the last unrolled iterate for the unrolled methods).
    pub x: Vec<f64>,
    /// Reports and checks.
    pub diagnostics: Diagnostics,
}

/// State carried from one outer step to the next, used as warm starts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WarmStart {
    /// The previous inner solution.
    pub x: Option<Vec<f64>>,
    /// The previous Jacobian columns `∂x*/∂θ_i` (forward forms).
    pub jacobian: Option<Vec<Vec<f64>>>,
    /// The previous adjoint vector `v` (adjoint forms).
    pub adjoint: Option<Vec<f64>>,
    /// The previous dominant direction of `∂ₓT` (power iteration for the contraction).
    pub direction: Option<Vec<f64>>,
}
