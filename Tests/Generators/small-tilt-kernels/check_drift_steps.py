#!/usr/bin/env python3
"""Which of two `mfsim ntk` outputs is exact, one layer at a time (issue #15 item 3, elu at q = 1e-6 drift):
for the rows of layers L-1, L of each table, the 40-digit mpmath value of one NNGP step
    Sigma12^L = sigma_w2 * E[phi(u) phi(v)],  (u, v) ~ N(0, [[q, q12], [q12, q]]),  q = nngp_11^(L-1), q12 = nngp_12^(L-1)
(sigma_b2 = 0; the kernel by make_bivariate_references.kernel) against the printed nngp_12^L, so each binary's
error per step is measured on its own trajectory. Layer 0 is the input (q0, c0 q0).
usage: python3 check_drift_steps.py OLD.csv NEW.csv SPEC Q0 C0 L [L ...]   (~10 s per step and table)
"""
import csv, os, sys
from multiprocessing import Pool
import mpmath as mp
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "BivariateKernels"))
import make_bivariate_references as base

def rows(path, c0):
    out = {}
    for r in csv.DictReader(open(path)):
        if abs(float(r["c0"]) - c0) < 1e-12:   # the printed c0 of -1:1:21 (e.g. 0.10000000000000009)
            out[int(r["layer"])] = r
    return out

def step(args):
    name, w, q, q12, printed = args
    mp.mp.dps = 40
    c = max(-1.0, min(1.0, q12 / q))
    exact = mp.mpf(w) * base.kernel(name, 0, 0, q, q, c)
    return float((mp.mpf(printed) - exact) / exact), float(exact)

def main():
    old, new, spec, q0, c0 = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
    layers = [int(x) for x in sys.argv[6:]]
    name = {"elu": "elu:alpha=1", "celu": "elu:alpha=1"}.get(spec, spec)   # celu:alpha=1 is elu
    jobs, labels = [], []
    for label, path in (("old", old), ("new", new)):
        t = rows(path, c0)
        c0 = float(t[1]["c0"])
        w = float(t[1]["sigma_w2"])
        for L in layers:
            q, q12 = (q0, c0 * q0) if L == 1 else (float(t[L - 1]["nngp_11"]), float(t[L - 1]["nngp_12"]))
            jobs.append((name, w, q, q12, t[L]["nngp_12"])); labels.append((label, L))
    with Pool(2) as pool:
        results = pool.map(step, jobs)
    for (label, L), (err, exact) in zip(labels, results):
        print("%s layer %d: printed nngp_12 - exact step = %.3e relative (exact %.17g)" % (label, L, err, exact))

if __name__ == "__main__":
    main()
