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

Logistic regression (`--model logreg`, written to `logreg_references.json` beside two more
files, `logreg.csv` and `logreg.svm`): scikit-learn's `LogisticRegression(l1_ratio=1,
C = 1/(n·α), solver="saga", tol=1e-15)` (the ℓ1 penalty; saga leaves the intercept
unpenalized), with `fit_intercept=True` (default flags), `False` (`--no-intercept`) and on X/σ
(`--standardize`), dense and sparse; each case records the KKT violation of scikit-learn's own
solution, the accuracy of the reference. The same fits on a slice of the embedded breast-cancer
data (120 rows, 10 columns, standardized) are printed as the constants of
`crates/optim/tests/logistic_intercept.rs`.

The elastic net of one α and a fixed mixing ratio (`--model enet --l1-ratio R`, written to
`enet_ratio_references.json`, on the same dense and sparse files): scikit-learn's
`ElasticNet(alpha, l1_ratio=R, tol=1e-14)` with `fit_intercept=True` (default flags) and `False`
(`--no-intercept`), R = 0.3 and 0.7.

Run from the repository root with the peers' Python (scikit-learn; sparse-ho through
`sparse_ho_compat`, see benches/peers/README.md): `python benches/peers/cli_references.py`.
The multitask Lasso (`--model multitask-lasso --targets 2`, written to
`multitask_references.json` beside `multitask.csv`, 5 features and 2 targets): scikit-learn's
`MultiTaskLasso(alpha, tol=1e-14)`, with and without intercept.

`--only logreg` regenerates the logistic references alone, `--only enet-ratio` the elastic-net
ones, `--only multitask` the multitask ones (scikit-learn only).
"""

import json
import os
import sys
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, Lasso, LogisticRegression, MultiTaskLasso, Ridge

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


def enet_ratio_cases(name, file, x, y):
    """scikit-learn's `ElasticNet(alpha, l1_ratio)` at a tenth of its α_max = α_max(ℓ1)/R."""
    cases = []
    for ratio in [0.3, 0.7]:
        for label, flags, intercept in [("", [], True), ("_no_intercept", ["--no-intercept"], False)]:
            alpha = 0.1 * alpha_max(x, y, intercept) / ratio
            m = ElasticNet(alpha=alpha, l1_ratio=ratio, tol=1e-14, max_iter=1_000_000,
                           fit_intercept=intercept).fit(x, y)
            b = m.intercept_ if intercept else 0.0
            cases.append(solve_case(f"sklearn_enet_ratio_{ratio}_{name}{label}", file,
                                    ["--model", "enet", "--l1-ratio", repr(ratio), *flags,
                                     *alpha_arg(alpha)], m.coef_, b))
    return cases


def write_enet_ratio_references(x, y, xs, ys):
    cases = enet_ratio_cases("dense", "dense.csv", x, y)
    cases += enet_ratio_cases("sparse", "sparse.svm", xs, ys)
    with open(os.path.join(OUT, "enet_ratio_references.json"), "w") as f:
        json.dump({"generator": "benches/peers/cli_references.py", "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"{len(cases)} cases written to {OUT}/enet_ratio_references.json")


def write_multitask_references():
    """Two targets sharing five features (two of them irrelevant to both), with different means."""
    rng = np.random.default_rng(20261214)
    n = 40
    x = rng.normal(size=(n, 5)) * np.array([1.0, 2.0, 0.5, 1.5, 1.0]) + np.array(
        [1.0, -2.0, 0.0, 3.0, 0.5])
    w = np.array([[1.0, 0.8], [0.0, 0.0], [-1.5, -1.0], [0.5, 0.7], [0.0, 0.0]])
    y = x @ w + np.array([4.0, -2.0]) + 0.5 * rng.normal(size=(n, 2))
    with open(os.path.join(OUT, "multitask.csv"), "w") as f:
        for row, targets in zip(x, y):
            f.write(",".join(repr(float(v)) for v in [*row, *targets]) + "\n")
    cases = []
    # Fractions of α_max = max_j ‖X_jᵀY‖₂/n: a row of B at zero with an intercept, none without.
    for label, flags, intercept, fraction in [("", [], True, 0.2),
                                              ("_no_intercept", ["--no-intercept"], False, 0.02)]:
        xc, yc = (x - x.mean(axis=0), y - y.mean(axis=0)) if intercept else (x, y)
        alpha = fraction * np.linalg.norm(xc.T @ yc, axis=1).max() / n
        m = MultiTaskLasso(alpha=alpha, tol=1e-14, max_iter=1_000_000,
                           fit_intercept=intercept).fit(x, y)
        b = m.intercept_ if intercept else np.zeros(2)
        case = solve_case(f"sklearn_multitask{label}", "multitask.csv",
                          ["--model", "multitask-lasso", "--targets", "2", *flags,
                           *alpha_arg(alpha)], m.coef_.ravel(), 0.0)
        cases.append({**case, "coef": [[float(c) for c in row] for row in m.coef_],
                      "intercept": [float(v) for v in b]})
    with open(os.path.join(OUT, "multitask_references.json"), "w") as f:
        json.dump({"generator": "benches/peers/cli_references.py", "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"{len(cases)} cases written to {OUT}/multitask_references.json")


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


def logreg_data(rng, n, sparse):
    """Labels ±1 from a logistic model with an intercept (unbalanced classes); dense columns
    with different means and scales, or about 30 % positive non-zeros."""
    p = 5 if not sparse else 8
    if sparse:
        x = sp.random(n, p, density=0.3, random_state=rng,
                      data_rvs=lambda k: rng.uniform(0.5, 2.0, k)).tocsr()
        w = np.array([1.5, -1.0, 0.0, 0.8, 0.0, -0.6, 0.0, 0.4])
    else:
        x = rng.normal(size=(n, p)) * np.array([1.0, 2.0, 0.5, 1.5, 1.0]) + np.array(
            [1.0, -0.5, 2.0, 0.0, 3.0])
        w = np.array([1.2, 0.0, -1.5, 0.5, 0.0])
    z = x @ w - 0.7
    y = np.where(rng.uniform(size=n) < 1.0 / (1.0 + np.exp(-z)), 1.0, -1.0)
    return x, y


def logreg_alpha_max(x, y, intercept):
    """‖Xᵀ(y − ȳ)‖∞/(2n) with an intercept (ȳ the mean label), ‖Xᵀy‖∞/(2n) without."""
    xd = x.toarray() if sp.issparse(x) else x
    yc = y - y.mean() if intercept else y
    return np.abs(xd.T @ yc).max() / (2 * len(y))


def logreg_fit(x, y, alpha, intercept):
    """scikit-learn's ℓ1 logistic regression at C = 1/(nα), and the largest violation of the
    optimality conditions at its solution (|∂/∂b| with an intercept, the ℓ1 conditions on β)."""
    n = len(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # tol 1e-15 is met at rounding
        m = LogisticRegression(l1_ratio=1.0, C=1.0 / (n * alpha), solver="saga", tol=1e-15,
                               max_iter=1_000_000, fit_intercept=intercept).fit(x, y)
    w, b = m.coef_[0], (m.intercept_[0] if intercept else 0.0)
    xd = x.toarray() if sp.issparse(x) else x
    s = y / (1.0 + np.exp(y * (xd @ w + b)))
    g = -(xd.T @ s) / n
    kkt = np.where(w != 0, np.abs(g + alpha * np.sign(w)), np.maximum(np.abs(g) - alpha, 0.0))
    kkt = max(kkt.max(), abs(s.sum() / n) if intercept else 0.0)
    return w, b, kkt


def logreg_cases(name, file, x, y):
    cases = []
    for label, flags, intercept in [("", [], True), ("_no_intercept", ["--no-intercept"], False)]:
        alpha = 0.1 * logreg_alpha_max(x, y, intercept)
        w, b, kkt = logreg_fit(x, y, alpha, intercept)
        case = solve_case(f"sklearn_logreg_{name}{label}", file,
                          ["--model", "logreg", *flags, *alpha_arg(alpha)], w, b)
        cases.append({**case, "reference_kkt": float(kkt)})
    # `--standardize`: the fit on X/σ, coefficients mapped back (the intercept is unchanged).
    xd = x.toarray() if sp.issparse(x) else x
    sigma = xd.std(axis=0)
    scaled = x @ sp.diags(1.0 / sigma) if sp.issparse(x) else x / sigma
    alpha = 0.05 * logreg_alpha_max(scaled, y, True)
    w, b, kkt = logreg_fit(scaled, y, alpha, True)
    case = solve_case(f"sklearn_logreg_{name}_standardized", file,
                      ["--model", "logreg", "--standardize", *alpha_arg(alpha)], w / sigma, b)
    cases.append({**case, "reference_kkt": float(kkt)})
    return cases


def breast_cancer_slice():
    """The first 120 rows and 10 columns of the embedded breast-cancer data, each column
    centered and scaled by its population standard deviation."""
    d = np.loadtxt(os.path.join("crates", "optim", "data", "breast_cancer.csv"), delimiter=",",
                   skiprows=1)
    x, y = d[:120, :10], d[:120, -1]
    return (x - x.mean(axis=0)) / x.std(axis=0), y


def print_library_constants():
    """The references of crates/optim/tests/logistic_intercept.rs, as Rust constants."""
    x, y = breast_cancer_slice()
    for frac in [0.05, 0.2]:
        alpha = frac * logreg_alpha_max(x, y, True)
        w, b, kkt = logreg_fit(x, y, alpha, True)
        print(f"// α = {frac}·α_max, scikit-learn's KKT violation {kkt:.1e}")
        print(f"({float(alpha)!r}, &{[float(v) for v in w]}, {float(b)!r}),")


def write_logreg_references():
    rng = np.random.default_rng(20261213)
    x, y = logreg_data(rng, 60, False)
    xs, ys = logreg_data(rng, 80, True)
    write_csv(os.path.join(OUT, "logreg.csv"), x, y)
    write_libsvm(os.path.join(OUT, "logreg.svm"), xs, ys)
    cases = logreg_cases("dense", "logreg.csv", x, y) + logreg_cases("sparse", "logreg.svm", xs, ys)
    with open(os.path.join(OUT, "logreg_references.json"), "w") as f:
        json.dump({"generator": "benches/peers/cli_references.py", "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"{len(cases)} cases written to {OUT}/logreg_references.json")
    print_library_constants()


def main():
    only = sys.argv[2] if sys.argv[1:2] == ["--only"] else None
    if only in (None, "logreg"):
        write_logreg_references()
    rng = np.random.default_rng(20261206)
    x, y = dense_data(rng, 40)
    xv, yv = dense_data(rng, 20)
    xs, ys = sparse_data(rng, 50)
    xsv, ysv = sparse_data(rng, 25)
    if only in (None, "enet-ratio"):
        write_enet_ratio_references(x, y, xs, ys)
    if only in (None, "multitask"):
        write_multitask_references()
    if only is not None:
        return
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
