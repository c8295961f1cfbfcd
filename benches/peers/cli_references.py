"""Reference numbers for the CLI's conventions: scikit-learn's (default flags: an intercept,
features as given) and sparse-ho's (`--no-intercept`), on small seeded files.

Writes, under crates/cli/tests/data/: two dense CSV files (training, validation) and two sparse
LIBSVM files, and `references.json`, a list of CLI invocations with the numbers each must print.
The Rust test `crates/cli/tests/references.rs` runs them (it needs no Python).

- default flags, `solve`: scikit-learn's `Lasso(alpha, tol=1e-14)`, `ElasticNet(alpha, l1_ratio)`
  (α₁ = alpha·l1_ratio, α₂ = alpha·(1 − l1_ratio)) and `Ridge(alpha = n·α)` (scikit-learn's
  ridge objective is ‖y − Xβ‖² + alpha‖β‖², ours 1/(2n)‖y − Xβ‖² + α/2‖β‖²), fitted on every
  row with `fit_intercept=True`, dense and sparse (scikit-learn centers a sparse design
  implicitly);
- `--no-intercept`, `solve` and `grad --val`: sparse-ho's `Lasso`, `ElasticNet` and
  `WeightedLasso` (held-out MSE, `ImplicitForward` at tolerance 1e-12; its coefficients from
  the same inner solve; the elastic net's inner solve by scikit-learn through sparse-ho's
  `estimator`, as sparse-ho's own stops short), and per-feature ridge by its closed form (sparse-ho has no ridge):
  β = (XᵀX/n + diag α)⁻¹Xᵀy/n, dC/dlog α_j = −α_j β_j [(XᵀX/n + diag α)⁻¹∇C(β)]_j.

Run from the repository root with the peers' Python (scikit-learn; sparse-ho through
`sparse_ho_compat`, see benches/peers/README.md): `python benches/peers/cli_references.py`.
"""

import json
import os

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import ElasticNet, Lasso, Ridge

OUT = os.path.join("crates", "cli", "tests", "data")
TOL = 1e-12


def dense_data(rng, n):
    """Columns with different means and scales, a target with a large mean."""
    p = 6
    x = rng.normal(size=(n, p)) * np.array([1.0, 3.0, 0.5, 2.0, 1.0, 4.0]) + np.array(
        [2.0, -1.0, 5.0, 0.0, 10.0, 3.0])
    w = np.array([1.5, 0.0, -2.0, 0.7, 0.0, 0.3])
    y = x @ w + 7.0 + rng.normal(size=n)
    return x, y


def sparse_data(rng, n):
    """About 30 % non-zeros, positive entries (non-zero column means), a shifted target."""
    p = 10
    x = sp.random(n, p, density=0.3, random_state=rng, data_rvs=lambda k: rng.uniform(0.5, 3.0, k))
    x = x.tocsr()
    w = np.array([2.0, -1.0, 0.0, 0.5, 0.0, 1.5, 0.0, -0.8, 0.0, 0.3])
    y = x @ w + 4.0 + 0.5 * rng.normal(size=n)
    return x, y


def write_csv(path, x, y):
    with open(path, "w") as f:
        for row, target in zip(x, y):
            f.write(",".join(repr(float(v)) for v in row) + "," + repr(float(target)) + "\n")


def write_libsvm(path, x, y):
    with open(path, "w") as f:
        for i, target in enumerate(y):
            row = x.getrow(i)
            entries = " ".join(f"{j + 1}:{float(v)!r}" for j, v in sorted(zip(row.indices, row.data)))
            f.write(f"{float(target)!r} {entries}\n")


def alpha_max(x, y, intercept):
    """‖X̃ᵀỹ‖∞/n on the centered data (with an intercept) or the raw data."""
    xd = x.toarray() if sp.issparse(x) else x
    if intercept:
        xd, y = xd - xd.mean(axis=0), y - y.mean()
    return np.abs(xd.T @ y).max() / len(y)


def solve_case(name, file, args, coef, intercept):
    return {"name": name, "args": ["solve", "--data", file, *args, "--tol", "1e-12", "--json"],
            "coef": [float(c) for c in coef], "intercept": float(intercept)}


def grad_case(name, file, val, args, value, grad, coef):
    return {"name": name,
            "args": ["grad", "--data", file, "--val", val, "--no-intercept", *args, "--tol",
                     "1e-12", "--json"],
            "value": float(value), "grad": [float(g) for g in np.atleast_1d(grad)],
            "coef": [float(c) for c in coef]}


def alpha_arg(alphas):
    return ["--alpha", ",".join(repr(float(a)) for a in np.atleast_1d(alphas))]


def sklearn_cases(name, file, x, y):
    n = len(y)
    amax = alpha_max(x, y, True)
    cases = []
    alpha = 0.1 * amax
    m = Lasso(alpha=alpha, tol=1e-14, max_iter=1_000_000).fit(x, y)
    cases.append(solve_case(f"sklearn_lasso_{name}", file, alpha_arg(alpha), m.coef_, m.intercept_))
    alpha, ratio = 0.2 * amax, 0.7
    m = ElasticNet(alpha=alpha, l1_ratio=ratio, tol=1e-14, max_iter=1_000_000).fit(x, y)
    cases.append(solve_case(f"sklearn_enet_{name}", file,
                            ["--model", "enet", *alpha_arg([alpha * ratio, alpha * (1 - ratio)])],
                            m.coef_, m.intercept_))
    alpha = 0.5
    m = Ridge(alpha=n * alpha, tol=1e-14, solver="auto").fit(x, y)
    cases.append(solve_case(f"sklearn_ridge_{name}", file, ["--model", "ridge", *alpha_arg(alpha)],
                            m.coef_, m.intercept_))
    # `--standardize`: scikit-learn's Lasso on X/σ (σ the population standard deviation, as
    # StandardScaler), coefficients mapped back to the original scale (glmnet's report).
    xd = x.toarray() if sp.issparse(x) else x
    sigma = xd.std(axis=0)
    scaled = x @ sp.diags(1.0 / sigma) if sp.issparse(x) else x / sigma
    alpha = 0.1 * alpha_max(scaled, y, True)
    m = Lasso(alpha=alpha, tol=1e-14, max_iter=1_000_000).fit(scaled, y)
    cases.append(solve_case(f"sklearn_lasso_{name}_standardized", file,
                            ["--standardize", *alpha_arg(alpha)], m.coef_ / sigma, m.intercept_))
    return cases


def stacked(x, y, xv, yv):
    big = sp.vstack([x, xv]).tocsc() if sp.issparse(x) else np.vstack([x, xv])
    return (big, np.concatenate([y, yv]), np.arange(len(y)), np.arange(len(y), len(y) + len(yv)))


def sparse_ho_cases(name, files, x, y, xv, yv):
    import sparse_ho_compat  # noqa: F401  (NumPy 2 shims; first)
    from sparse_ho import ImplicitForward
    from sparse_ho.criterion import HeldOutMSE
    from sparse_ho.models import ElasticNet as HoEnet
    from sparse_ho.models import Lasso as HoLasso
    from sparse_ho.models import WeightedLasso as HoWlasso

    file, val = files
    big, ybig, itrain, ival = stacked(x, y, xv, yv)
    amax = alpha_max(x, y, False)
    p = x.shape[1]
    rng = np.random.default_rng(3)
    cases = []
    models = [
        ("lasso", HoLasso(), np.array(0.1 * amax), []),
        # sparse-ho's own elastic-net solver stops 4.5e-6 short of the optimum on the dense
        # case (checked against scikit-learn at tol 1e-15): its scikit-learn estimator instead.
        ("enet", HoEnet(estimator=ElasticNet(fit_intercept=False, tol=1e-15, max_iter=10**7)),
         np.array([0.1 * amax, 0.05 * amax]), ["--model", "enet"]),
        ("wlasso", HoWlasso(), 0.1 * amax * rng.uniform(0.5, 2.0, p), ["--model", "wlasso"]),
    ]
    for label, model, alphas, flags in models:
        criterion = HeldOutMSE(itrain, ival)
        algo = ImplicitForward(tol_jac=1e-12, n_iter_jac=100_000, max_iter=100_000)
        value, grad = criterion.get_val_grad(model, big, ybig, np.log(alphas),
                                             algo.compute_beta_grad, tol=TOL, max_iter=100_000)
        coef = np.zeros(p)
        coef[criterion.mask0] = criterion.dense0
        cases.append(grad_case(f"sparse_ho_{label}_{name}", file, val, [*flags, *alpha_arg(alphas)],
                               value, grad, coef))
        cases.append(solve_case(f"sparse_ho_{label}_{name}_solve", file,
                                ["--no-intercept", *flags, *alpha_arg(alphas)], coef, 0.0))
    # Per-feature ridge: the closed form.
    alphas = rng.uniform(0.2, 2.0, p)
    xd = x.toarray() if sp.issparse(x) else x
    xvd = xv.toarray() if sp.issparse(xv) else xv
    n = len(y)
    h = xd.T @ xd / n + np.diag(alphas)
    beta = np.linalg.solve(h, xd.T @ y / n)
    residual = yv - xvd @ beta
    value = residual @ residual / len(yv)
    grad_c = -2.0 / len(yv) * xvd.T @ residual
    grad = -alphas * beta * np.linalg.solve(h, grad_c)
    flags = ["--model", "ridge", *alpha_arg(alphas)]
    cases.append(grad_case(f"closed_form_ridge_per_feature_{name}", file, val, flags, value, grad,
                           beta))
    cases.append(solve_case(f"closed_form_ridge_per_feature_{name}_solve", file,
                            ["--no-intercept", *flags], beta, 0.0))
    return cases


def main():
    rng = np.random.default_rng(20261206)
    x, y = dense_data(rng, 40)
    xv, yv = dense_data(rng, 20)
    xs, ys = sparse_data(rng, 50)
    xsv, ysv = sparse_data(rng, 25)
    write_csv(os.path.join(OUT, "dense.csv"), x, y)
    write_csv(os.path.join(OUT, "dense_val.csv"), xv, yv)
    write_libsvm(os.path.join(OUT, "sparse.svm"), xs, ys)
    write_libsvm(os.path.join(OUT, "sparse_val.svm"), xsv, ysv)
    cases = sklearn_cases("dense", "dense.csv", x, y) + sklearn_cases("sparse", "sparse.svm", xs, ys)
    cases += sparse_ho_cases("dense", ("dense.csv", "dense_val.csv"), x, y, xv, yv)
    cases += sparse_ho_cases("sparse", ("sparse.svm", "sparse_val.svm"), xs.tocsc(), ys, xsv.tocsc(), ysv)
    with open(os.path.join(OUT, "references.json"), "w") as f:
        json.dump({"generator": "benches/peers/cli_references.py", "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"{len(cases)} cases written to {OUT}/references.json")


if __name__ == "__main__":
    main()
