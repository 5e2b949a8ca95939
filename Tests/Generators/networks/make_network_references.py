#!/usr/bin/env python3
"""References for mfsim's composed-network kernels (SPEC §5): neural-tangents' stax in float64.

Writes Tests/MeanFieldTests/Networks/NeuralTangentsNetworkReferences.swift and, beside this
script, network_references.json (the raw outputs).

Setup (a throwaway venv outside the repository; `make test` never needs it):
    python3 -m venv /tmp/venv16
    /tmp/venv16/bin/pip install neural-tangents==0.6.5 jax==0.4.30 jaxlib==0.4.30 tf2jax==0.3.6 mpmath
    /tmp/venv16/bin/python Tests/Generators/networks/make_network_references.py

Each architecture is written twice: as mfsim's --network text and as the stax layers that
neural-tangents' own kernel_fn evaluates (parameterization='ntk'; residual[F] with skip = branch
= 1 is stax.serial(FanOut(2), parallel(Identity(), F), FanInSum())). Inputs: 4 vectors of
dimension 3 (Sigma_in = x.x'/d, the first dense layer's input kernel in neural-tangents); the
reference is the network output's NNGP and NTK, every entry, from neural-tangents and from an
independent 50-digit mpmath recursion of the same architecture (checked to agree with stax to 1e-11;
stax's own float64 rounding reaches ~1e-12 relative through layernorm and erf, so the exact values
are the 1e-12 reference and stax's the 1e-11 one).

Weighted skips (residual(skip=a,branch=b), a, b != 1) have no stax layer: for those an independent
recursion in mpmath (50 digits) with the arc-cosine closed form of relu (Cho & Saul 2009) and the
arcsine closed form of erf (Williams 1997) gives the reference.
"""
import json
import os

import jax
jax.config.update('jax_enable_x64', True)
import numpy as np
from neural_tangents import stax
import mpmath as mp

HERE = os.path.dirname(os.path.abspath(__file__))
SWIFT = os.path.join(HERE, '..', '..', 'MeanFieldTests', 'Networks', 'NeuralTangentsNetworkReferences.swift')

rng = np.random.RandomState(16)
X = rng.normal(size=(4, 3))


def dense(w2=1.0, b2=0.0):
    return stax.Dense(1, W_std=float(np.sqrt(w2)), b_std=float(np.sqrt(b2)) if b2 > 0 else None, parameterization='ntk')


def residual(*branch):
    return stax.serial(stax.FanOut(2), stax.parallel(stax.Identity(), stax.serial(*branch)), stax.FanInSum())


ARCHITECTURES = [
    ("dense(sigma_w2=2,sigma_b2=0.1) relu dense(sigma_w2=2,sigma_b2=0.1) relu dense",
     [dense(2, 0.1), stax.Relu(), dense(2, 0.1), stax.Relu(), dense()]),
    ("dense erf dense(sigma_w2=1.5,sigma_b2=0.2) erf dense(sigma_w2=1.5,sigma_b2=0.2)",
     [dense(), stax.Erf(), dense(1.5, 0.2), stax.Erf(), dense(1.5, 0.2)]),
    ("dense residual[relu dense(sigma_w2=2) relu dense(sigma_w2=2)]*3",
     [dense()] + [residual(stax.Relu(), dense(2), stax.Relu(), dense(2)) for _ in range(3)]),
    ("dense(sigma_w2=2,sigma_b2=0.3) layernorm relu dense(sigma_w2=2) layernorm erf dense",
     [dense(2, 0.3), stax.LayerNorm(), stax.Relu(), dense(2), stax.LayerNorm(), stax.Erf(), dense()]),
    ("dense residual[erf dense(sigma_w2=1.3,sigma_b2=0.1)]*2 layernorm residual[relu dense(sigma_w2=2)]*2 relu dense(sigma_w2=2,sigma_b2=0.05)",
     [dense()] + [residual(stax.Erf(), dense(1.3, 0.1)) for _ in range(2)] + [stax.LayerNorm()]
     + [residual(stax.Relu(), dense(2)) for _ in range(2)] + [stax.Relu(), dense(2, 0.05)]),
    ("dense(sigma_w2=0.5) residual[layernorm erf dense(sigma_w2=3,sigma_b2=0.2) relu dense]*2 layernorm",
     [dense(0.5)] + [residual(stax.LayerNorm(), stax.Erf(), dense(3, 0.2), stax.Relu(), dense()) for _ in range(2)]
     + [stax.LayerNorm()]),
]

# The same architectures for the mpmath recursion below (every stax result is checked against it).
D = lambda w2=1, b2=0: ('dense', str(w2), str(b2))
R = lambda *branch: ('residual', 1, 1, list(branch))
EXACT_FORMS = [
    [D(2, 0.1), ('relu',), D(2, 0.1), ('relu',), D()],
    [D(), ('erf',), D(1.5, 0.2), ('erf',), D(1.5, 0.2)],
    [D()] + [R(('relu',), D(2), ('relu',), D(2))] * 3,
    [D(2, 0.3), ('layernorm',), ('relu',), D(2), ('layernorm',), ('erf',), D()],
    [D()] + [R(('erf',), D(1.3, 0.1))] * 2 + [('layernorm',)] + [R(('relu',), D(2))] * 2 + [('relu',), D(2, 0.05)],
    [D(0.5)] + [R(('layernorm',), ('erf',), D(3, 0.2), ('relu',), D())] * 2 + [('layernorm',)],
]

# ---- an independent recursion in mpmath, for the weighted skips stax cannot express ----
mp.mp.dps = 50


def relu_kernels(q1, q2, q12):
    """(E[relu(u) relu(v)], E[relu'(u) relu'(v)]) for (u, v) ~ N(0, [[q1, q12], [q12, q2]])."""
    s = mp.sqrt(q1 * q2)
    c = max(mp.mpf(-1), min(mp.mpf(1), q12 / s))
    theta = mp.acos(c)
    return (s * (mp.sin(theta) + (mp.pi - theta) * c) / (2 * mp.pi), (mp.pi - theta) / (2 * mp.pi))


def erf_kernels(q1, q2, q12):
    """Williams 1997: E[erf(u) erf(v)] = (2/pi) asin(2 q12 / sqrt((1 + 2 q1)(1 + 2 q2)));
    E[erf'(u) erf'(v)] = (4/pi) / sqrt((1 + 2 q1)(1 + 2 q2) - 4 q12^2)."""
    return (2 / mp.pi * mp.asin(2 * q12 / mp.sqrt((1 + 2 * q1) * (1 + 2 * q2))),
            4 / mp.pi / mp.sqrt((1 + 2 * q1) * (1 + 2 * q2) - 4 * q12 ** 2))


def apply(layers, S, T):
    n = len(S)
    for layer in layers:
        kind = layer[0]
        if kind == 'dense':
            w2, b2 = mp.mpf(layer[1]), mp.mpf(layer[2])
            S = [[w2 * S[i][j] + b2 for j in range(n)] for i in range(n)]
            T = [[w2 * T[i][j] + S[i][j] for j in range(n)] for i in range(n)]
        elif kind in ('relu', 'erf'):
            f = relu_kernels if kind == 'relu' else erf_kernels
            K = [[f(S[i][i], S[j][j], S[i][j]) for j in range(n)] for i in range(n)]
            T = [[K[i][j][1] * T[i][j] for j in range(n)] for i in range(n)]
            S = [[K[i][j][0] for j in range(n)] for i in range(n)]
        elif kind == 'layernorm':
            d = [S[i][i] for i in range(n)]
            S = [[S[i][j] / mp.sqrt(d[i] * d[j]) for j in range(n)] for i in range(n)]
            T = [[T[i][j] / mp.sqrt(d[i] * d[j]) for j in range(n)] for i in range(n)]
        elif kind == 'residual':
            a, b, branch = mp.mpf(layer[1]), mp.mpf(layer[2]), layer[3]
            SF, TF = apply(branch, S, T)
            S = [[a * a * S[i][j] + b * b * SF[i][j] for j in range(n)] for i in range(n)]
            T = [[a * a * T[i][j] + b * b * TF[i][j] for j in range(n)] for i in range(n)]
    return S, T


def input_kernel(x):
    n, d = x.shape
    xm = [[mp.mpf(float(v)) for v in row] for row in x]
    return [[sum(xm[i][k] * xm[j][k] for k in range(d)) / d for j in range(n)] for i in range(n)]


WEIGHTED = [
    ("dense residual(skip=0.8,branch=0.6)[relu dense(sigma_w2=2)]*4 relu dense",
     [('dense', 1, 0)] + [('residual', '0.8', '0.6', [('relu',), ('dense', 2, 0)])] * 4 + [('relu',), ('dense', 1, 0)]),
    ("dense(sigma_w2=1.2,sigma_b2=0.1) residual(skip=0.5,branch=1.5)[erf dense(sigma_w2=2,sigma_b2=0.1) relu dense]*2 layernorm erf dense",
     [('dense', '1.2', '0.1')] + [('residual', '0.5', '1.5', [('erf',), ('dense', 2, '0.1'), ('relu',), ('dense', 1, 0)])] * 2
     + [('layernorm',), ('erf',), ('dense', 1, 0)]),
]


def main():
    results = []
    for (spec, layers), form in zip(ARCHITECTURES, EXACT_FORMS):
        _, _, kernel_fn = stax.serial(*layers)
        k = kernel_fn(X, None, ('nngp', 'ntk'))
        nngp, ntk = np.asarray(k.nngp).ravel().tolist(), np.asarray(k.ntk).ravel().tolist()
        # The independent mpmath recursion of the same architecture: stax's float64 result and the
        # 50-digit one must agree (to 1e-11 on the kernel's scale; stax's own rounding reaches ~1e-12
        # through layernorm and erf), and the exact values are what mfsim is held to at 1e-12.
        S, T = apply(form, input_kernel(X), [[mp.mpf(0)] * 4 for _ in range(4)])
        exact_nngp = [float(S[i][j]) for i in range(4) for j in range(4)]
        exact_ntk = [float(T[i][j]) for i in range(4) for j in range(4)]
        deviation = max(abs(a - b) / (abs(e[5 * (ij // 4)]) * abs(e[5 * (ij % 4)])) ** 0.5
                        for a_list, e in [(nngp, exact_nngp), (ntk, exact_ntk)]
                        for ij, (a, b) in enumerate(zip(a_list, e)))
        assert deviation < 1e-11, (spec, deviation)
        print('%-100s stax vs mpmath: %.2e' % (spec, deviation))
        results.append({'network': spec, 'source': 'neural-tangents stax (stax vs mpmath %.1e)' % deviation,
                        'stax_nngp': nngp, 'stax_ntk': ntk, 'nngp': exact_nngp, 'ntk': exact_ntk})
    for spec, layers in WEIGHTED:
        S, T = apply(layers, input_kernel(X), [[mp.mpf(0)] * 4 for _ in range(4)])
        nngp, ntk = [float(S[i][j]) for i in range(4) for j in range(4)], [float(T[i][j]) for i in range(4) for j in range(4)]
        results.append({'network': spec, 'source': 'mpmath recursion (50 digits), arc-cosine and arcsine closed forms (no stax layer)',
                        'stax_nngp': nngp, 'stax_ntk': ntk, 'nngp': nngp, 'ntk': ntk})
    with open(os.path.join(HERE, 'network_references.json'), 'w') as f:
        json.dump({'inputs': X.ravel().tolist(), 'count': 4, 'dimension': 3, 'references': results}, f, indent=1)
        f.write('\n')

    def literal(values):
        return '[' + ', '.join(repr(float(v)) for v in values) + ']'

    lines = ['// Generated by Tests/Generators/networks/make_network_references.py (neural-tangents 0.6.5 stax,',
             '// float64; weighted skips: an independent mpmath recursion). Do not edit.',
             '',
             '/// Composed networks\' output NNGP and NTK (4 inputs, row-major 4 x 4) for `NetworkKernels.gram`.',
             'enum NeuralTangentsNetworkReferences {',
             '    /// `nngp`, `ntk`: the 50-digit mpmath recursion rounded to double; `staxNngp`, `staxNtk`: neural-tangents\'',
             '    /// own float64 output (the mpmath values again where stax cannot express the network).',
             '    struct Reference { let network: String; let source: String; let nngp: [Double]; let ntk: [Double]; let staxNngp: [Double]; let staxNtk: [Double] }',
             '    /// 4 input vectors of dimension 3, row-major (Sigma_in = x.x\'/3).',
             '    static let inputs: [Double] = ' + literal(X.ravel()),
             '    static let references: [Reference] = [']
    for r in results:
        lines.append('        Reference(network: %s, source: %s,' % (json.dumps(r['network']), json.dumps(r['source'])))
        lines.append('                  nngp: %s,' % literal(r['nngp']))
        lines.append('                  ntk: %s,' % literal(r['ntk']))
        lines.append('                  staxNngp: %s,' % literal(r['stax_nngp']))
        lines.append('                  staxNtk: %s),' % literal(r['stax_ntk']))
    lines += ['    ]', '}', '']
    with open(SWIFT, 'w') as f:
        f.write('\n'.join(lines))


if __name__ == '__main__':
    main()
