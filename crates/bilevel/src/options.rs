//! [`Method`]: how the derivative of `x*(θ)` is computed; [`Options`]: tolerances and caps.

use crate::BilevelError;
pub use hypergrad_ad::reverse::Checkpoints;

/// The linear solver for the systems `(I − A) J = B` (forward form) or `(I − Aᵀ) v = ∇ₓC`
/// (adjoint form) of implicit differentiation, `A = ∂ₓT` at the fixed point (restricted to the
/// support when there is one), `B = ∂_θT`.
///
/// Every iterative solve is checked on its true residual; a breakdown, a stagnation or a
/// system the solver cannot handle (conjugate gradient on a non-symmetric system, detected by a
/// probe) falls back to GMRES and is reported as a
/// [`Warning::LinearSolverFallback`](crate::Warning::LinearSolverFallback).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinearSolver {
    /// BiCGSTAB, a Krylov method for the non-symmetric fixed-point form (matrix-free).
    Bicgstab,
    /// Conjugate gradient: only for maps whose `I − A` is symmetric positive definite, such
    /// as a gradient step `T = x − s∇f` (where it is `s∇²f`); a coordinate-descent sweep is not.
    ConjugateGradient,
    /// Restarted GMRES (restart 50): robust for any non-singular `I − A`, the fallback of the
    /// others.
    Gmres,
    /// The Neumann series `J = Σₖ Aᵏ B` (Richardson iteration; the same recursion as FPAD).
    Neumann,
    /// A dense LU factorization of `I − A` on the support (formed by |S| products, in chunks
    /// of lanes): for small supports.
    Dense,
}

impl LinearSolver {
    /// A short name for reports.
    pub fn name(&self) -> &'static str {
        match self {
            LinearSolver::Bicgstab => "bicgstab",
            LinearSolver::ConjugateGradient => "cg",
            LinearSolver::Gmres => "gmres",
            LinearSolver::Neumann => "neumann",
            LinearSolver::Dense => "dense",
        }
    }
}

/// The direction of the fixed-point recursion of [`Method::Fpad`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FpadMode {
    /// Propagate Jacobian columns `∂x/∂θ_i` (JVPs).
    Forward,
    /// Propagate the adjoint `∂C/∂x` (VJPs).
    Reverse,
}

/// How the Jacobian `∂x*/∂θ` (or its product with `∇ₓC`) is computed.
///
/// Every method returns, with the gradient, an a-posteriori estimate of its relative error
/// ([`Diagnostics::error_estimate`](crate::Diagnostics::error_estimate)) that includes the bias
/// of the approximate ones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Method {
    /// Chooses for the problem and reports its choice
    /// ([`Diagnostics::method`](crate::Diagnostics::method) and
    /// [`Diagnostics::choice`](crate::Diagnostics::choice)): the model's exact
    /// [`solution_vjp`](hypergrad_optim::FixedPointMap::solution_vjp) when it has one; otherwise
    /// implicit differentiation on the support when there is one, in the forward form (warm
    /// Neumann iterations, the implicit-forward scheme) for a few hyperparameters and in the
    /// adjoint form for many; a dense factorization when the support is small; one-step where
    /// `∂ₓT·∂_θT` vanishes to tolerance (`ρ ≈ 0`, Newton). Iterative solves fall back to Krylov
    /// methods (CG if the system is measured symmetric, BiCGSTAB, GMRES) when the Neumann
    /// series contracts slowly.
    #[default]
    Auto,
    /// Forward mode through the iterations `x_{k+1} = T_k(x_k, θ)` from the warm start, in
    /// chunks of hyperparameters, until the primal residual meets the inner tolerance (at least
    /// one iteration). A map solved by epochs on working sets (the Lasso family) declares them
    /// ([`solve_with_schedule`](hypergrad_optim::FixedPointMap::solve_with_schedule)) and the
    /// iterations are those epochs, `x_{k+1} = T_{W_k}(x_k, θ)`: the derivative of what its
    /// solver (without extrapolation) computes, the working sets being held fixed; that solve
    /// is then the inner solve itself
    /// ([`solve_with_schedule`](hypergrad_optim::FixedPointMap::solve_with_schedule): one solve,
    /// not two). From a warm start the tangent starts at the previous Jacobian.
    ForwardUnrolled,
    /// Reverse mode through the same iterations on a tape: one sweep gives every
    /// hyperparameter's derivative (of the iterations from the warm start, at least one: the
    /// warm start itself is treated as a constant). `truncate = Some(k)` differentiates only
    /// the last `k ≥ 1` steps (truncated backpropagation); `checkpoints` bounds the memory
    /// (`Checkpoints::Fit(bytes)`: a full tape when it fits, for a solver's few tens of epochs
    /// about half the time of √K checkpoints).
    ReverseUnrolled {
        /// Differentiate only the last `k` iterations.
        truncate: Option<usize>,
        /// Which states to store.
        checkpoints: Checkpoints,
    },
    /// Implicit differentiation: solve `(I − A) J = B` restricted to the support of `x*` when
    /// the problem has one, by `linear_solver`. With at most 8 hyperparameters the forward form
    /// is solved (one chunk of lanes); with more, the adjoint form `(I − Aᵀ) v = ∇ₓC` (one
    /// system instead of one per hyperparameter).
    Implicit {
        /// The linear solver.
        linear_solver: LinearSolver,
    },
    /// sparse-ho's implicit-forward: iterate `J ← A J + B` on the support of `x*` only,
    /// warm-started, until the relative residual of the linear system is below the Jacobian
    /// tolerance; after 100 iterations without converging (a slowly contracting `T`) a Krylov
    /// method continues on the same restricted system. Needs a support (prox-based models).
    ImplicitForward,
    /// Fixed-point AD (Mehmood & Ochs): iterate the derivative recursion of `T` at the fixed
    /// point on the full space, forward `J_{k+1} = A J_k + B` from `J_0 = 0` or reverse
    /// `v_{k+1} = Aᵀ v_k + ∇ₓC` (one recursion for all hyperparameters, by VJPs on one tape).
    Fpad {
        /// Forward (Jacobian) or reverse (adjoint) recursion.
        mode: FpadMode,
    },
    /// One-step differentiation (Bolte, Pauwels, Vaiter): `J ≈ B = ∂_θT(x*, θ)`, the derivative
    /// of the last application of `T` only. Exact when `A = 0` (Newton); otherwise biased by
    /// `∇ₓCᵀ A (I − A)⁻¹ B`, which the error estimate includes.
    OneStep,
    /// Jacobian-free backpropagation: `(I − Aᵀ)⁻¹ ≈ I`, so `∇h ≈ ∂_θC + Bᵀ∇ₓC`. At the fixed
    /// point its value coincides with [`Method::OneStep`]; the two differ in what they claim (an
    /// approximation of the inverse vs. a truncated derivative) and in their form (adjoint vs
    /// forward).
    JacobianFree,
}

impl Method {
    /// A short name for reports and errors.
    pub fn name(&self) -> &'static str {
        match self {
            Method::Auto => "auto",
            Method::ForwardUnrolled => "forward",
            Method::ReverseUnrolled { .. } => "reverse",
            Method::Implicit { .. } => "implicit",
            Method::ImplicitForward => "implicit-forward",
            Method::Fpad {
                mode: FpadMode::Forward,
            } => "fpad",
            Method::Fpad {
                mode: FpadMode::Reverse,
            } => "fpad-reverse",
            Method::OneStep => "one-step",
            Method::JacobianFree => "jacobian-free",
        }
    }

    /// Whether the method unrolls the inner iterations (and so needs the map's schedule).
    pub(crate) fn unrolls(&self) -> bool {
        matches!(
            self,
            Method::ForwardUnrolled | Method::ReverseUnrolled { .. }
        )
    }

    /// Checks the method's own parameters (a truncation to 0 steps differentiates nothing).
    pub(crate) fn validate(&self) -> Result<(), BilevelError> {
        match self {
            Method::ReverseUnrolled {
                truncate: Some(0), ..
            } => Err(BilevelError::InvalidParameter {
                name: "truncate",
                value: 0.0,
                reason: "truncated backpropagation needs at least one step",
            }),
            Method::ReverseUnrolled {
                checkpoints: Checkpoints::Budget(0) | Checkpoints::Binomial(0) | Checkpoints::Fit(0),
                ..
            } => Err(BilevelError::InvalidParameter {
                name: "checkpoints",
                value: 0.0,
                reason: "a checkpoint budget must be at least 1 (stored state, or byte for Fit)",
            }),
            _ => Ok(()),
        }
    }
}

/// Tolerances and caps of a hypergradient computation.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// Inner solver tolerance (relative duality gap for coordinate descent).
    pub inner_tol: f64,
    /// Inner iteration cap.
    pub inner_max_iter: usize,
    /// Relative residual `‖(I − A)J − B‖ / ‖B‖` at which Jacobian iterations stop.
    pub jacobian_tol: f64,
    /// Cap on Jacobian / linear-solver iterations (hitting it raises a warning); at least 1.
    pub jacobian_max_iter: usize,
}

impl Options {
    /// The same options with the inner tolerance `inner_tol` (set per outer step).
    pub fn with_inner_tol(&self, inner_tol: f64) -> Self {
        Self {
            inner_tol,
            ..self.clone()
        }
    }

    /// Checks every field: tolerances finite and `> 0`, caps at least 1.
    pub(crate) fn validate(&self) -> Result<(), BilevelError> {
        for (name, value) in [
            ("inner_tol", self.inner_tol),
            ("jacobian_tol", self.jacobian_tol),
        ] {
            if !(value > 0.0 && value.is_finite()) {
                return Err(BilevelError::InvalidParameter {
                    name,
                    value,
                    reason: "must be finite and positive",
                });
            }
        }
        for (name, value) in [
            ("inner_max_iter", self.inner_max_iter),
            ("jacobian_max_iter", self.jacobian_max_iter),
        ] {
            if value == 0 {
                return Err(BilevelError::InvalidParameter {
                    name,
                    value: 0.0,
                    reason: "must be at least 1",
                });
            }
        }
        Ok(())
    }
}

impl Default for Options {
    fn default() -> Self {
        Self {
            inner_tol: 1e-12,
            inner_max_iter: 100_000,
            jacobian_tol: 1e-10,
            jacobian_max_iter: 10_000,
        }
    }
}
