"""Five-fold cross-validated Lasso on text-like sparse data: hypergrad (`examples/text_scale.rs`:
CrossValidation + L-BFGS on implicit-forward hypergradients, then a refit) vs scikit-learn's
`LassoCV` (30-α grid over [α_max·1e-3, α_max], the same folds, the same refit), on the same
seeded data, each in its own process on one thread (RAYON_NUM_THREADS=1, n_jobs=1): CPU time
(user + system: robust to the load of a shared machine; wall time beside it) and peak resident
memory (data included), over sizes up to rcv1's (20 000 × 47 000, 0.15 %) and
news20's shape (20 000 × 1 350 000, 0.03 %).

The CV error of each selected α is recomputed here on the same folds with scikit-learn's Lasso
at tol 1e-10 (an independent check of "equal or lower CV error"). Tolerances: LassoCV(tol=1e-6),
i.e. a relative duality gap 2e-6, the floor of hypergrad's schedule.

Run from the repository root: `python benches/peers/text_scale.py [--quick | --sizes I,J,…]
[--sklearn-timeout SECONDS]` (--quick: the three smallest sizes; --sizes: rows of SIZES by index;
a LassoCV run over the timeout is stopped and reported as "> SECONDS"). Data go to
$HYPERGRAD_LASSO_DUMP/text (default /tmp/hypergrad-dump/text).
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
    return {"seconds": float(values["seconds"]), "cpu": float(values["cpu_seconds"]),
            "alpha": float(values["alpha"]),
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
    clock, cpu = time.perf_counter(), time.process_time()
    model = LassoCV(alphas=30, eps=1e-3, cv=folds(len(y)), fit_intercept=False, tol=1e-6,
                    max_iter=1_000_000, n_jobs=1).fit(x, y)
    seconds, cpu = time.perf_counter() - clock, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu": cpu, "alpha": float(model.alpha_),
                      "peak_mb": peak}))


def sklearn(directory, timeout):
    try:
        out = subprocess.run([sys.executable, __file__, "--sklearn-child", str(directory)],
                             check=True, capture_output=True, text=True, timeout=timeout).stdout
    except subprocess.TimeoutExpired:
        return None
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
    if "--sizes" in sys.argv:
        chosen = sys.argv[sys.argv.index("--sizes") + 1].split(",")
        sizes = [SIZES[int(i)] for i in chosen]
    timeout = None
    if "--sklearn-timeout" in sys.argv:
        timeout = float(sys.argv[sys.argv.index("--sklearn-timeout") + 1])
    print("| n × p (density) | nnz | hypergrad: CPU (wall), memory | LassoCV: CPU (wall), memory "
          "| CPU time LassoCV / hypergrad | peak memory hypergrad / LassoCV | CV error hypergrad "
          "/ LassoCV (α/α_max) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for n, p, density in sizes:
        ours_run = ours(n, p, density, directory)
        theirs = sklearn(directory, timeout)
        common.DUMP = directory
        x, y = common.load("text")
        amax = common.alpha_max(x, y)
        mine = (f"{ours_run['cpu']:.2f} s ({ours_run['seconds']:.2f} s), "
                f"{ours_run['peak_mb']:.0f} MB, {ours_run['evaluations']} evaluations")
        if theirs is None:
            print(f"| {n} × {p} ({density:.2%}) | {x.nnz} | {mine} | > {timeout:.0f} s wall "
                  f"(stopped) | > {timeout / ours_run['seconds']:.0f} (wall) | — | "
                  f"— ({ours_run['alpha'] / amax:.2e} vs —) |", flush=True)
            continue
        error, other = cv_error(x, y, ours_run["alpha"]), cv_error(x, y, theirs["alpha"])
        print(f"| {n} × {p} ({density:.2%}) | {x.nnz} | {mine} | {theirs['cpu']:.2f} s "
              f"({theirs['seconds']:.2f} s), {theirs['peak_mb']:.0f} MB | "
              f"{theirs['cpu'] / ours_run['cpu']:.2f} | "
              f"{ours_run['peak_mb'] / theirs['peak_mb']:.2f} | {error / other:.5f} "
              f"({ours_run['alpha'] / amax:.2e} vs {theirs['alpha'] / amax:.2e}) |", flush=True)


if __name__ == "__main__":
    main()
