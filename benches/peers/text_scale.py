"""Five-fold cross-validated Lasso on text-like sparse data: hypergrad (`examples/text_scale.rs`:
CrossValidation + L-BFGS on implicit-forward hypergradients, then a refit) vs scikit-learn's
`LassoCV` (30-α grid over [α_max·1e-3, α_max], the same folds, the same refit), on the same
seeded data, each in its own process on one thread (RAYON_NUM_THREADS=1, n_jobs=1): wall time
and peak resident memory (data included), over sizes up to rcv1's (20 000 × 47 000, 0.15 %) and
news20's shape (20 000 × 1 350 000, 0.03 %).

The CV error of each selected α is recomputed here on the same folds with scikit-learn's Lasso
at tol 1e-10 (an independent check of "equal or lower CV error"). Tolerances: LassoCV(tol=1e-6),
i.e. a relative duality gap 2e-6, the floor of hypergrad's schedule.

Run from the repository root: `python benches/peers/text_scale.py [--quick]` (--quick: the three
smallest sizes). Data go to $HYPERGRAD_LASSO_DUMP/text (default /tmp/hypergrad-dump/text).
"""

import json
import os
import resource
import subprocess
import sys
import time

import numpy as np
from common import DUMP, REPO

SIZES = [(5000, 11750, 0.0015), (10000, 23500, 0.0015), (20000, 47000, 0.0015),
         (20000, 188000, 0.0015), (20000, 1350000, 0.0003)]
FOLDS = 5


def folds(n):
    index = np.arange(n)
    return [(index[index % FOLDS != k], index[index % FOLDS == k]) for k in range(FOLDS)]


def ours(n, p, density, directory):
    env = dict(os.environ, RAYON_NUM_THREADS="1")
    subprocess.run(["cargo", "build", "--release", "-j", "2", "--example", "text_scale"],
                   cwd=REPO, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = subprocess.run([str(REPO / "target/release/examples/text_scale"), str(n), str(p),
                          str(density), str(directory)], env=env, check=True,
                         capture_output=True, text=True).stdout
    values = dict(line.split(" = ") for line in out.strip().splitlines())
    return {"seconds": float(values["seconds"]), "alpha": float(values["alpha"]),
            "peak_mb": float(values["peak_rss_mb"]), "evaluations": int(values["evaluations"])}


def sklearn_child(directory):
    """Runs in its own process: LassoCV on the dumped data, prints JSON."""
    import warnings
    warnings.filterwarnings("ignore")
    sys.path.insert(0, os.path.dirname(__file__))
    from common import load
    os.environ["HYPERGRAD_LASSO_DUMP"] = directory
    import common
    common.DUMP = __import__("pathlib").Path(directory)
    from sklearn.linear_model import LassoCV
    x, y = load("text")
    clock = time.perf_counter()
    model = LassoCV(alphas=30, eps=1e-3, cv=folds(len(y)), fit_intercept=False, tol=1e-6,
                    max_iter=1_000_000, n_jobs=1).fit(x, y)
    seconds = time.perf_counter() - clock
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "alpha": float(model.alpha_), "peak_mb": peak}))


def sklearn(directory):
    out = subprocess.run([sys.executable, __file__, "--sklearn-child", str(directory)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def cv_error(x, y, alpha):
    from sklearn.linear_model import Lasso
    errors = []
    for train, val in folds(len(y)):
        model = Lasso(alpha=alpha, fit_intercept=False, tol=1e-10, max_iter=1_000_000)
        model.fit(x[train], y[train])
        errors.append(np.mean((y[val] - x[val] @ model.coef_) ** 2))
    return float(np.mean(errors))


def main():
    if "--sklearn-child" in sys.argv:
        sklearn_child(sys.argv[sys.argv.index("--sklearn-child") + 1])
        return
    import common
    directory = DUMP / "text"
    sizes = SIZES[:3] if "--quick" in sys.argv else SIZES
    print("| n × p (density) | nnz | hypergrad | LassoCV | time LassoCV / hypergrad | peak memory "
          "hypergrad / LassoCV | CV error hypergrad / LassoCV (α/α_max) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for n, p, density in sizes:
        ours_run = ours(n, p, density, directory)
        theirs = sklearn(directory)
        common.DUMP = directory
        x, y = common.load("text")
        amax = common.alpha_max(x, y)
        mine, other = cv_error(x, y, ours_run["alpha"]), cv_error(x, y, theirs["alpha"])
        print(f"| {n} × {p} ({density:.2%}) | {x.nnz} | {ours_run['seconds']:.2f} s, "
              f"{ours_run['peak_mb']:.0f} MB, {ours_run['evaluations']} evaluations | "
              f"{theirs['seconds']:.2f} s, {theirs['peak_mb']:.0f} MB | "
              f"{theirs['seconds'] / ours_run['seconds']:.2f} | "
              f"{ours_run['peak_mb'] / theirs['peak_mb']:.2f} | {mine / other:.5f} "
              f"({ours_run['alpha'] / amax:.2e} vs {theirs['alpha'] / amax:.2e}) |", flush=True)


if __name__ == "__main__":
    main()
