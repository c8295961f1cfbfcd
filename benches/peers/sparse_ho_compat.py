"""Lets sparse-ho (GitHub QB3/sparse-ho, written for NumPy 1 and SciPy < 1.12) import on a
current NumPy / SciPy without editing its algorithms: import this module before `sparse_ho`.

* NumPy 2 removed the aliases `np.float`, `np.int`, `np.bool` and `np.infty`; they are
  restored as the builtins / `np.inf` they used to be.
* SciPy 1.14 removed `cg(tol=...)` in favour of `rtol=`; `scipy.sparse.linalg.cg` is wrapped so
  that a `tol` keyword is passed on as `rtol` (same meaning: relative residual tolerance).
"""

import functools

import numpy as np
import scipy.sparse.linalg as spla

for _name, _value in (("float", float), ("int", int), ("bool", bool), ("infty", np.inf)):
    if not hasattr(np, _name):
        setattr(np, _name, _value)

_cg = spla.cg


@functools.wraps(_cg)
def _cg_with_tol(*args, tol=None, **kwargs):
    if tol is not None:
        kwargs.setdefault("rtol", tol)
    return _cg(*args, **kwargs)


spla.cg = _cg_with_tol
