"""Lasso solve to the relative duality gap 1e-8·P(0): hypergrad (working sets, and plain cyclic
coordinate descent) vs scikit-learn, celer and skglm, on the problems of benches/lasso.rs.

Each peer stops on its own rule; the rule is matched to hypergrad's `gap ≤ 1e-8·‖y‖²/(2n)`:
scikit-learn stops at `n·gap ≤ tol·‖y‖²` and celer at `gap ≤ tol·‖y‖²/n`, so tol = 5e-9 for both;
skglm stops on the largest optimality violation, so its tolerance is the largest of 1e-4·3⁻ᵏ whose
solution meets the gap (checked, and printed). Every solution's gap is recomputed here.

Run from the repository root: `python benches/peers/lasso_solvers.py` (it runs
`cargo bench --bench lasso` first, which writes the problems to $HYPERGRAD_LASSO_DUMP, default
/tmp/hypergrad-dump). Times are medians; ratios are peer / hypergrad in this run.
"""

import sys
import warnings

import numpy as np
from common import alpha_max, cargo_bench, criterion_median, load, median_seconds, relative_gap

warnings.filterwarnings("ignore")
TOL = 1e-8
CASES = ["dense_200x1000", "sparse_5000x20000", "correlated_200x1000"]


def peers():
    import celer
    import skglm
    from sklearn.linear_model import Lasso

    def sklearn_fit(x, y, a, tol):
        return Lasso(alpha=a, fit_intercept=False, tol=tol, max_iter=1_000_000).fit(x, y).coef_

    def celer_fit(x, y, a, tol):
        return celer.Lasso(alpha=a, fit_intercept=False, tol=tol, max_iter=10_000,
                           max_epochs=1_000_000).fit(x, y).coef_

    def skglm_fit(x, y, a, tol):
        return skglm.Lasso(alpha=a, fit_intercept=False, tol=tol, max_iter=10_000,
                           max_epochs=1_000_000).fit(x, y).coef_

    return [("scikit-learn", sklearn_fit, [TOL / 2]),
            ("celer", celer_fit, [TOL / 2]),
            ("skglm", skglm_fit, [1e-4 * 3.0 ** -k for k in range(20)])]


def main():
    if "--no-cargo" not in sys.argv:
        cargo_bench("lasso", "lasso/")
    rows = []
    for name in CASES:
        x, y = load(name)
        amax = alpha_max(x, y)
        for divisor in [10, 100]:
            a = amax / divisor
            ours = criterion_median("lasso", f"ws/{name}/alpha_max_over_{divisor}")
            cyclic = criterion_median("lasso", f"cd/{name}/alpha_max_over_{divisor}")
            row = {"case": f"{name} α_max/{divisor}", "hypergrad": ours, "cyclic CD": cyclic}
            for label, fit, tols in peers():
                for tol in tols:
                    beta = fit(x, y, a, tol)
                    gap = relative_gap(x, y, beta, a)
                    if gap <= TOL:
                        break
                row[label] = median_seconds(lambda: fit(x, y, a, tol))
                print(f"{name} α_max/{divisor} {label}: tol {tol:.1e}, relative gap {gap:.2e}"
                      f"{'' if gap <= TOL else ' (rule NOT met)'}", file=sys.stderr)
            rows.append(row)
    labels = ["hypergrad", "cyclic CD", "scikit-learn", "celer", "skglm"]
    print("| Lasso solve, gap ≤ 1e-8·P(0) | " + " | ".join(labels) + " | fastest peer / hypergrad |")
    print("| --- " * (len(labels) + 2) + "|")
    for row in rows:
        fastest = min(row[k] for k in ["scikit-learn", "celer", "skglm"])
        cells = [f"{row[k] * 1e3:.2f} ms" for k in labels]
        print(f"| {row['case']} | " + " | ".join(cells) + f" | {fastest / row['hypergrad']:.2f} |")


if __name__ == "__main__":
    main()
