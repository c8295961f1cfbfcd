"""Per-feature ridge (p = 1000 hyperparameters, n = 200): one held-out-MSE hypergradient in
log α by jaxopt (implicit differentiation with `custom_root` on the optimality condition,
conjugate gradient for the linear system, Cholesky for the inner solve) vs hypergrad's direct
solve + `solution_vjp` (criterion bench `ridge`), on the same data.

The reference gradient is computed here in NumPy float64 (`np.linalg.solve` on A = XᵀX/n + D);
the relative error of both is printed. jaxopt's CG tolerance is the loosest of 1e-6·10⁻ᵏ that
reaches ≤ 1e-8 relative error (the target's accuracy), and its time is measured at that
tolerance, after JIT compilation.

Run from the repository root: `python benches/peers/ridge_jaxopt.py` (runs `cargo bench --bench
ridge` first, which dumps the problem to $HYPERGRAD_LASSO_DUMP, default /tmp/hypergrad-dump).
"""

import importlib.metadata
import sys
from functools import partial

import numpy as np
from common import DUMP, cargo_bench, criterion_median, load, median_seconds


def reference(x, y, xv, yv, theta):
    n, p = x.shape
    alphas = np.exp(theta)
    a = x.T @ x / n + np.diag(alphas)
    beta = np.linalg.solve(a, x.T @ y / n)
    g = -2.0 / len(yv) * xv.T @ (yv - xv @ beta)
    return -alphas * beta * np.linalg.solve(a, g)


def jaxopt_gradient(x, y, xv, yv, cg_tol):
    import jax
    import jax.numpy as jnp
    from jax.scipy.linalg import cho_factor, cho_solve
    from jaxopt import implicit_diff, linear_solve

    n = x.shape[0]
    data = tuple(map(jnp.asarray, (x, y, xv, yv)))

    # The data are arguments, not closed-over constants (XLA would fold XᵀX at compile time).
    def optimality(beta, theta, x, y):
        return x.T @ (x @ beta - y) / n + jnp.exp(theta) * beta

    @implicit_diff.custom_root(optimality, solve=partial(linear_solve.solve_cg, tol=cg_tol,
                                                         maxiter=10_000))
    def inner(init, theta, x, y):
        del init
        a = x.T @ x / n + jnp.diag(jnp.exp(theta))
        return cho_solve(cho_factor(a), x.T @ y / n)

    def outer(theta, x, y, xv, yv):
        beta = inner(None, theta, x, y)
        return jnp.mean((yv - xv @ beta) ** 2)

    grad = jax.jit(jax.grad(outer))
    return lambda theta: np.asarray(grad(jnp.asarray(theta), *data).block_until_ready())


def main():
    import jax
    jax.config.update("jax_enable_x64", True)
    if "--no-cargo" not in sys.argv:
        cargo_bench("ridge", "ridge_per_feature")
    x, y = load("ridge_train")
    xv, yv = load("ridge_val")
    theta = np.fromfile(DUMP / "ridge_theta.f64")
    ours = np.fromfile(DUMP / "ridge_grad.f64")
    want = reference(x, y, xv, yv, theta)
    rel = lambda g: np.linalg.norm(g - want) / np.linalg.norm(want)
    for k in range(8):
        tol = 1e-6 * 10.0 ** -k
        grad = jaxopt_gradient(x, y, xv, yv, tol)
        error = rel(grad(theta))
        if error <= 1e-8:
            break
    seconds = median_seconds(lambda: grad(theta), repeats=10, warmup=2)
    direct = criterion_median("ridge_per_feature_200x1000", "direct")
    implicit = criterion_median("ridge_per_feature_200x1000", "implicit_bicgstab")
    print(f"jaxopt {importlib.metadata.version('jaxopt')}, jax {jax.__version__}: CG tol {tol:.0e}")
    print("| per-feature ridge 200×1000, one hypergradient | time | relative error | / jaxopt |")
    print("| --- | --- | --- | --- |")
    print(f"| jaxopt (custom_root + CG, Cholesky inner) | {seconds * 1e3:.1f} ms | {error:.1e} | 1 |")
    print(f"| hypergrad direct (Woodbury Cholesky + solution_vjp) | {direct * 1e3:.2f} ms "
          f"| {rel(ours):.1e} | {direct / seconds:.3f} |")
    print(f"| hypergrad implicit (BiCGSTAB on the Gauss–Seidel map) | {implicit * 1e3:.0f} ms "
          f"| — | {implicit / seconds:.2f} |")


if __name__ == "__main__":
    main()
