"""What the deepmind `dks` package (PyPI dks 0.1.2) does with the clip-type and abs families, for mfsim #14.

dks' activation table has no hardtanh, relu6, hardsigmoid or abs; this script adds them to
`dks.base.activation_getter._ACTIVATION_TABLE` (autograd NumPy definitions, as PyTorch defines them)
and runs dks' own DKS solver (`_get_activations_params`, its starting points, then its random
restarts) for a plain MLP of depth D: maxslope(x) = x**D, zeta = 1.5 (and 3), q_slope = 1.

Run (outside the repository's build; needs PyPI):
    python3 -m venv /tmp/venv-14 && /tmp/venv-14/bin/pip install dks jax jaxlib absl-py
    /tmp/venv-14/bin/python Tests/Generators/shaping/dks_piecewise_linear.py > Tests/Generators/shaping/dks_piecewise_linear_output.json
"""
import json
import sys
import time

from autograd import numpy as np
from dks.base import activation_getter as ag
from dks.base import activation_transform as at

ag._ACTIVATION_TABLE.update({
    "hardtanh": lambda x: np.clip(x, -1.0, 1.0),
    "relu6": lambda x: np.clip(x, 0.0, 6.0),
    "hardsigmoid": lambda x: np.clip(x / 6.0 + 0.5, 0.0, 1.0),
    "abs": lambda x: np.abs(x),
})

CASES = [(name, depth, zeta) for name in ("hardtanh", "relu6", "hardsigmoid", "abs")
         for depth, zeta in ((1, 1.5), (1, 3.0), (2, 3.0), (10, 1.5))]


def main():
    np_random = __import__("numpy").random
    records = []
    for name, depth, zeta in CASES:
        np_random.seed(0)
        record = {"activation": name, "depth": depth, "zeta": zeta}
        started = time.time()
        try:
            params = at._get_activations_params(
                [name], method="DKS", dks_params={"c_slope_1_target": zeta},
                max_slope_func=lambda x, d=depth: x ** d)
            record["params"] = {k: float(v) for k, v in params[name].items()}
        except Exception as error:   # dks raises ValueError when every start fails
            record["error"] = f"{type(error).__name__}: {error}"
        record["seconds"] = time.time() - started
        print(json.dumps(record), file=sys.stderr, flush=True)
        records.append(record)
    json.dump(records, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
