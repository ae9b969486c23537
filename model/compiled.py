"""How the model's year is compiled: numba, cached on disk, never stale.

numba checks a cached function against its own source file only, so an edit to a mechanism in
model/mechanisms.py would not reach the cached step in model/model.py that calls it. The cache
therefore lives in a folder named after a digest of every compiled source (and of the numba and
Python versions): change any of them and the model is compiled afresh, once (about a minute),
then loads from the cache in a fraction of a second. The folder is under ``$NUMBA_CACHE_DIR`` if
set, else ``$XDG_CACHE_HOME/hedgesim`` (``~/.cache/hedgesim``).
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numba
import numpy as np
from numba._dispatcher import compute_fingerprint
from numba.core import cgutils, types
from numba.extending import intrinsic, overload
from numba.np.arrayobj import make_array

ROOT = Path(__file__).resolve().parents[1]
# The files whose code is compiled (and the parameters' coefficients they read).
SOURCES = sorted([*(f for f in (*ROOT.glob("model/*.py"), *ROOT.glob("agents/*.py"))
                    if "@compiled" in f.read_text(encoding="utf-8")), ROOT / "scenarios" / "params.py"])


def cache_dir() -> Path:
    digest = hashlib.sha256(f"numba {numba.__version__} python {sys.version}".encode())
    for path in SOURCES:
        digest.update(path.read_bytes())
    base = os.environ.get("NUMBA_CACHE_DIR") or Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hedgesim"
    return Path(base) / f"numba-{digest.hexdigest()[:16]}"


numba.config.CACHE_DIR = str(cache_dir())  # read when each function below is decorated
# Floating point may be reordered (sums vectorised, multiply-adds fused, a division by a loop's
# constant made a multiplication), which moves results by a rounding error; infinities and NaNs
# keep their meaning, so a comparison with -inf stays valid.
FASTMATH = {"contract", "reassoc", "arcp", "nsz"}
# Every compiled function is inlined into the functions that call it (numba's own inlining, before
# types are inferred), so that the year is one function to the compiler: a call between compiled
# functions otherwise passes the State's 45 arrays and the coefficients anew and keeps their
# reference counts, which cost a third of a small world's year; an inlined row helper also lets
# numba see that the row's reference count need not change. Python calls them as before.
compiled = numba.njit(cache=True, error_model="numpy", inline="always", fastmath=FASTMATH)
# A function holding an object-mode block cannot be inlined.
compiled_apart = numba.njit(cache=True, error_model="numpy", fastmath=FASTMATH)
# A sum that must round as Python's own does (a compensated sum, which reassociation would
# undo): strict floating point, and not inlined into a caller that reorders its arithmetic.
compiled_exact = numba.njit(cache=True, error_model="numpy")


def borrowed(value: Any) -> Any:
    """``value`` (an array, or a tuple such as the State, whose arrays are found member by
    member) seen without ownership: in compiled code, the same arrays with no reference count
    (numba's meminfo left null, as ``numba.carray`` leaves it); from Python, ``value`` itself.
    numba counts a reference to every array of a tuple each time a function takes it, with an
    atomic increment and decrement each, even inlined: 90 for the State's 45 arrays at every
    mechanism, a third of a small world's year. A null count is skipped. Safe only while the
    owner outlives every use, as the arrays of ``run_years``' arguments do (the caller holds
    them), and never for what is returned. (Not inlined: numba's IR inliner loses the stores a
    loop makes through an inlined overload's result, which a test guards.)"""
    return value


@intrinsic
def _without_count(typingctx: Any, value: types.Type) -> Any:
    """``borrowed`` in compiled code: ``value`` with every array's meminfo and parent null."""
    def strip(context: Any, builder: Any, ty: types.Type, val: Any) -> Any:
        if isinstance(ty, types.Array):
            array = make_array(ty)(context, builder, value=val)
            array.meminfo = cgutils.get_null_value(array.meminfo.type)
            array.parent = cgutils.get_null_value(array.parent.type)
            return array._getvalue()
        if isinstance(ty, types.BaseTuple):
            for k, member in enumerate(ty):
                val = builder.insert_value(
                    val, strip(context, builder, member, builder.extract_value(val, k)), k)
        return val

    return value(value), lambda context, builder, sig, args: strip(context, builder, value, args[0])


@overload(borrowed)
def _borrowed(value):  # unannotated: numba matches the parameters to borrowed's
    return lambda value: _without_count(value)


def entry_point(function: Callable, *args: Any) -> Callable:
    """``function`` compiled for the types of ``args``, to be called without numba's dispatch,
    which works out the types of every argument at every call: about 10 µs for the State's 45
    arrays and the coefficients, a sixth of a small world's year. Later calls must pass arguments
    of the same types. Typing the arguments takes numba half a millisecond, a tenth of a sweep's
    short run, so each entry point is found once per process, keyed by the fingerprint numba's
    own dispatcher keys its types by (tens of µs). (With NUMBA_DISABLE_JIT set, ``function``.)"""
    compile_for = getattr(function, "compile", None)
    if compile_for is None:
        return function
    key = (function, compute_fingerprint(args))
    if key not in _entry_points:
        _entry_points[key] = compile_for(tuple(numba.typeof(a) for a in args))
    return _entry_points[key]


_entry_points: dict[tuple[Callable, bytes], Callable] = {}


# numba calls the scalar exp and log of the C library; numpy's own are vectorised and several
# times faster on a whole array, so the mechanisms that need thousands of them hand the array over.
# The trip into numpy costs about a microsecond, more than a small world's array takes by loop.
NUMPY_FROM = 512  # elements


@compiled_apart
def _in_place(x: np.ndarray, log: bool) -> None:
    if x.size < NUMPY_FROM:
        flat = x.reshape(x.size)
        for k in range(flat.size):
            flat[k] = np.log(flat[k]) if log else np.exp(flat[k])
        return
    with numba.objmode():
        (np.log if log else np.exp)(x, out=x)


@compiled
def vector_exp(x: np.ndarray) -> None:
    """x = exp(x), in place (by numpy, for arrays of NUMPY_FROM elements or more)."""
    _in_place(x, False)


@compiled
def vector_log(x: np.ndarray) -> None:
    """x = log(x), in place (by numpy, for arrays of NUMPY_FROM elements or more)."""
    _in_place(x, True)
