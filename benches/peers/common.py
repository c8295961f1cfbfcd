"""Shared helpers of the peer comparisons: the problems dumped by the Rust benches, the duality
gap rule of hypergrad, timing, and criterion's estimates of the Rust side."""

import json
import os
import pathlib
import subprocess
import time

import numpy as np
import scipy.sparse as sp

REPO = pathlib.Path(__file__).resolve().parents[2]
DUMP = pathlib.Path(os.environ.get("HYPERGRAD_LASSO_DUMP", "/tmp/hypergrad-dump"))


def load(name):
    """The design (dense Fortran-ordered or CSC) and targets `NAME_*` of the dump."""
    y = np.fromfile(DUMP / f"{name}_y.f64")
    n = len(y)
    dense = DUMP / f"{name}_x.f64"
    if dense.exists():
        x = np.fromfile(dense)
        p = len(x) // n
        return np.asfortranarray(x.reshape(p, n).T), y
    indptr = np.fromfile(DUMP / f"{name}_indptr.u64", dtype=np.uint64).astype(np.int64)
    indices = np.fromfile(DUMP / f"{name}_indices.u64", dtype=np.uint64).astype(np.int32)
    data = np.fromfile(DUMP / f"{name}_data.f64")
    p = len(indptr) - 1
    return sp.csc_matrix((data, indices, indptr), shape=(n, p)), y


def alpha_max(x, y):
    return np.max(np.abs(x.T @ y)) / len(y)


def lasso_gap(x, y, beta, alpha):
    """hypergrad's Lasso gap (1/n scaling, rescaled residual): ½(1 + c²)‖r‖²/n + α‖β‖₁ − c rᵀy/n
    with c = min(1, α/(‖Xᵀr‖∞/n))."""
    n = len(y)
    r = y - x @ beta
    corr = np.max(np.abs(x.T @ r)) / n
    c = min(1.0, alpha / corr) if corr > 0 else 1.0
    return 0.5 * (1 + c * c) * (r @ r) / n + alpha * np.abs(beta).sum() - c * (r @ y) / n


def relative_gap(x, y, beta, alpha):
    return lasso_gap(x, y, beta, alpha) / ((y @ y) / (2 * len(y)))


def median_seconds(fn, repeats=7, warmup=1):
    """Median wall time of `fn()` over `repeats` calls after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def cargo_bench(bench, filter_):
    """Runs `cargo bench --bench BENCH -- FILTER` (short criterion settings) with the dump
    enabled, so the Rust side is measured in the same run as the peers."""
    env = dict(os.environ, HYPERGRAD_LASSO_DUMP=str(DUMP))
    subprocess.run(
        ["cargo", "bench", "-j", "2", "--bench", bench, "--", "--warm-up-time", "1",
         "--measurement-time", "3", filter_],
        cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL)


def criterion_median(group, function):
    """The median (seconds) criterion recorded for GROUP/FUNCTION (slashes become `_`)."""
    path = (REPO / "target" / "criterion" / group / function.replace("/", "_") / "new"
            / "estimates.json")
    return json.loads(path.read_text())["median"]["point_estimate"] * 1e-9
