"""DKS/TAT parameters from the deepmind `dks` package itself (PyPI dks 0.1.2), for mfsim's tests.

Run (outside the repository's build; needs PyPI):
    python3 -m venv /tmp/venv17 && /tmp/venv17/bin/pip install dks jax jaxlib absl-py
    /tmp/venv17/bin/python Tests/Generators/shaping/dks_reference.py > Tests/Generators/shaping/dks_output.json

For each case it records dks' parameters, which starting point of dks' list succeeded (by tracing
scipy.optimize.root), the wall time of dks' own solve, or dks' error message. Plain MLP of depth D:
maxslope(x) = x**D, maxcurv(x) = D*x, subnet_max(x, r) = r^{∘D}(x).
"""
import json
import sys
import time

import scipy.optimize as sp_opt
from dks.base import activation_transform as at

DEPTHS = (10, 50)
DKS_CASES = ["tanh", "softplus", "elu", "selu", "gelu", "silu", "erf", "sigmoid", "leaky_relu", "relu"]
TAT_CASES = ["tanh", "softplus", "gelu", "silu", "elu", "leaky_relu"]
DKS_NAME = {"gelu": "gelu_exact", "silu": "swish"}   # mfsim name -> dks name (exact gelu; swish = silu)

_trace = []
_original_root = sp_opt.root


def _traced_root(fun, x0, **kwargs):
    sol = _original_root(fun, x0, **kwargs)
    _trace.append({"start": [float(v) for v in x0], "success": bool(sol.success)})
    return sol


at.sp_opt.root = _traced_root


def run(name, method, depth):
    del _trace[:]
    compose = lambda x, r_fn: _compose(x, r_fn, depth)
    kwargs = {"max_slope_func": lambda x: x ** depth} if method == "DKS" else {
        "max_curv_func": lambda x: depth * x, "subnet_max_func": compose}
    started = time.time()
    record = {"activation": name, "method": method.lower(), "depth": depth}
    try:
        params = at._get_activations_params([DKS_NAME.get(name, name)], method=method, **kwargs)
        record["params"] = {k: float(v) for k, v in params[DKS_NAME.get(name, name)].items()}
    except ValueError as error:
        record["error"] = str(error)
    record["seconds"] = time.time() - started
    record["tries"] = list(_trace)
    return record


def _compose(x, r_fn, depth):
    for _ in range(depth):
        x = r_fn(x)
    return x


def main():
    records = []
    for depth in DEPTHS:
        for method, names in (("DKS", DKS_CASES), ("TAT", TAT_CASES)):
            for name in names:
                record = run(name, method, depth)
                print(json.dumps(record), file=sys.stderr, flush=True)
                records.append(record)
    json.dump(records, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
