"""scikit-learn's LIBSVM reader on the files of `cargo bench --bench data_read`, for a side-by-side
MB/s figure (run the Rust bench first: it writes the files into the temp dir).

Usage: python benches/peers/read_libsvm_sklearn.py [FILE ...]
"""

import glob
import os
import sys
import tempfile
import time

from sklearn.datasets import load_svmlight_file

files = sys.argv[1:] or sorted(
    glob.glob(os.path.join(tempfile.gettempdir(), "hypergrad-bench-100MB-*.svm"))
)
for path in files:
    size = os.path.getsize(path)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        x, y = load_svmlight_file(path)
        times.append(time.perf_counter() - start)
    best = min(times)
    print(f"{os.path.basename(path)}: {best:.3f} s, {size / best / 2**20:.1f} MiB/s "
          f"(best of 3; {x.shape[0]} rows, {x.nnz} non-zeros)")
