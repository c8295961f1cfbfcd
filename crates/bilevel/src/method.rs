//! [`Method`]: how the derivative of `x*(θ)` is computed; [`Options`]: tolerances and caps.

pub use hypergrad_ad::reverse::Checkpoints;

/// The linear solver of [`Method::Implicit`] for `(I − ∂ₓT) J = ∂_θT` at the fixed point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinearSolver {
    /// BiCGSTAB, a Krylov method for the non-symmetric fixed-point form (matrix-free).
    Bicgstab,
    /// Conjugate gradient: only for maps whose `I − ∂ₓT` is symmetric positive definite, such
    /// as a gradient step `T = x − s∇f` (where it is `s∇²f`); a coordinate-descent sweep is not.
    ConjugateGradient,
    /// The Neumann series `J = Σₖ (∂ₓT)ᵏ ∂_θT` (the same recursion as FPAD).
    Neumann,
    /// A dense LU factorization of the system on the support (|S| products to form it): for
    /// small supports.
    Dense,
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Forward mode through the iterations `x_{k+1} = T(x_k, θ)` from the warm start, one dual
    /// pass per hyperparameter, until the primal residual meets the inner tolerance (at least
    /// one iteration). From a warm start the tangent starts at the previous Jacobian.
    ForwardUnrolled,
    /// Reverse mode through the same iterations on a tape: one sweep gives every
    /// hyperparameter's derivative (of the iterations from the warm start, at least one: the
    /// warm start itself is treated as a constant). `truncate = Some(k)` differentiates only the last `k` steps
    /// (truncated backpropagation); `checkpoints` bounds the memory (O(√K) states with
    /// [`Checkpoints::Uniform`]).
    ReverseUnrolled {
        /// Differentiate only the last `k` iterations.
        truncate: Option<usize>,
        /// Which states to store.
        checkpoints: Checkpoints,
    },
    /// Implicit differentiation: solve `(I − ∂ₓT(x*)) J = ∂_θT(x*)` restricted to the support
    /// of `x*` when the problem has one. With one hyperparameter the forward form is solved;
    /// with several, the adjoint form `(I − ∂ₓT)ᵀ v = ∇ₓC` (one system instead of one per
    /// hyperparameter), chosen automatically.
    Implicit {
        /// The linear solver.
        linear_solver: LinearSolver,
    },
    /// sparse-ho's implicit-forward: iterate `J ← ∂ₓT(x*) J + ∂_θT(x*)` on the support of
    /// `x*` only, warm-started, until the relative residual of the linear system is below the
    /// Jacobian tolerance; after 100 iterations without converging (a slowly contracting `T`),
    /// BiCGSTAB continues on the same restricted system. Needs a support (prox-based models).
    ImplicitForward,
    /// Fixed-point AD (Mehmood & Ochs): iterate the derivative recursion of `T` at the fixed
    /// point on the full space, forward `J_{k+1} = ∂ₓT(x*) J_k + ∂_θT(x*)` from `J_0 = 0` (one
    /// recursion per hyperparameter) or reverse `v_{k+1} = ∂ₓT(x*)ᵀ v_k + ∇ₓC` (one recursion
    /// for all hyperparameters, by vector–Jacobian products on a tape).
    Fpad {
        /// Forward (Jacobian) or reverse (adjoint) recursion.
        mode: FpadMode,
    },
    /// One-step differentiation (Bolte, Pauwels, Vaiter): `J ≈ ∂_θT(x*, θ)`, the derivative of
    /// the last application of `T` only. Exact when `∂ₓT(x*) = 0` (Newton).
    OneStep,
    /// Jacobian-free backpropagation: `(I − ∂ₓT)⁻¹ ≈ I`, so `∇h ≈ ∂_θC + ∂_θTᵀ∇ₓC`. At the
    /// fixed point its value coincides with [`Method::OneStep`]; the two differ in what they
    /// claim (an approximation of the inverse vs. a truncated derivative).
    JacobianFree,
}

impl Method {
    /// A short name for reports and errors.
    pub fn name(&self) -> &'static str {
        match self {
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
}

/// Tolerances and caps of a hypergradient computation.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// Inner solver tolerance (relative duality gap for coordinate descent).
    pub inner_tol: f64,
    /// Inner iteration cap.
    pub inner_max_iter: usize,
    /// Relative residual `‖(I − ∂ₓT)J − ∂_θT‖ / ‖∂_θT‖` at which Jacobian iterations stop.
    pub jacobian_tol: f64,
    /// Cap on Jacobian / linear-solver iterations (hitting it raises a warning).
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
