#!/usr/bin/env python3
"""Quadrature references for composed elu / selu / tanh networks (no closed form in neural-tangents):
an independent recursion of SPEC §5's kernel rules in mpmath (25 digits).

tanh: every 2D Gaussian expectation a nested mpmath.quad. elu / selu (piecewise x and A(e^x - 1)):
the inner expectation over z2 at fixed z1 is done in closed form (the positive side is a Gaussian
first moment, the exponential side a tilted Gaussian: E[A(e^(m+bZ) - 1); m + bZ <= 0] =
A(e^(m + b^2/2) Phi(-m/b - b) - Phi(-m/b))), the outer one by mpmath.quad split at the kink z1 = 0.

Writes Tests/MeanFieldTests/Networks/QuadratureNetworkReferences.swift and
quadrature_references.json beside this script. Run: /tmp/venv16/bin/python (any python with mpmath).

Two inputs of variance q0 and correlation c0 (Sigma_in = [[q0, c0 q0], [c0 q0, q0]], NTK 0); the
reference is the network output's (Sigma_11, Sigma_12, Theta_11, Theta_12).
(u, v) = (sqrt(q1) z1, sqrt(q2) (rho z1 + sqrt(1 - rho^2) z2)); the inner integral over z2 is split
where v crosses the kink at 0 (z2 = -rho z1 / sqrt(1 - rho^2)), the outer one at z1 = 0.
"""
import json
import os
import mpmath as mp

mp.mp.dps = 25
HERE = os.path.dirname(os.path.abspath(__file__))
SWIFT = os.path.join(HERE, '..', '..', 'MeanFieldTests', 'Networks', 'QuadratureNetworkReferences.swift')
LAMBDA01 = mp.mpf('1.0507009873554804934193349852946')
ALPHA01 = mp.mpf('1.6732632423543772848170429916717')


# (positive slope s, exponential amplitude A) of the piecewise families: s x (x > 0), A (e^x - 1) (x <= 0).
PIECEWISE = {'elu': (mp.mpf(1), mp.mpf(1)), 'selu': (LAMBDA01, LAMBDA01 * ALPHA01)}


def inner_piecewise(name, order, m, b):
    """E[g(m + b Z)], Z ~ N(0, 1), for g = phi (order 0) or phi' (order 1) of a piecewise family."""
    s, A = PIECEWISE[name]
    t = m / b
    tilted = mp.exp(m + b * b / 2) * mp.ncdf(-t - b)
    if order == 0:
        return s * (m * mp.ncdf(t) + b * mp.npdf(t)) + A * (tilted - mp.ncdf(-t))
    return s * mp.ncdf(t) + A * tilted


def activation(name):
    if name == 'elu':
        return (lambda x: x if x > 0 else mp.expm1(x)), (lambda x: mp.mpf(1) if x >= 0 else mp.exp(x)), True
    if name == 'selu':
        return ((lambda x: LAMBDA01 * x if x > 0 else LAMBDA01 * ALPHA01 * mp.expm1(x)),
                (lambda x: LAMBDA01 if x >= 0 else LAMBDA01 * ALPHA01 * mp.exp(x)), True)
    if name == 'tanh':
        return mp.tanh, (lambda x: mp.sech(x) ** 2), False
    raise ValueError(name)


def density(z):
    return mp.exp(-z * z / 2) / mp.sqrt(2 * mp.pi)


def expect1(f, q):
    s = mp.sqrt(q)
    return mp.quad(lambda z: f(s * z) * density(z), [-mp.inf, 0, mp.inf])


def expect2(f, g, q1, q2, q12, kinked, name=None, order=None):
    s1, s2 = mp.sqrt(q1), mp.sqrt(q2)
    rho = q12 / (s1 * s2)
    r = mp.sqrt(1 - rho * rho)
    if name in PIECEWISE:
        return mp.quad(lambda z1: f(s1 * z1) * density(z1) * inner_piecewise(name, order, s2 * rho * z1, s2 * r), [-mp.inf, 0, mp.inf])

    def inner(z1):
        u = s1 * z1
        fu = f(u)
        pts = [-mp.inf, -rho * z1 / r, mp.inf] if kinked else [-mp.inf, mp.inf]
        return fu * density(z1) * mp.quad(lambda z2: g(s2 * (rho * z1 + r * z2)) * density(z2), pts)
    return mp.quad(inner, [-mp.inf, 0, mp.inf])


def network(layers, q0, c0):
    q, q12 = mp.mpf(q0), mp.mpf(c0) * q0
    t, t12 = mp.mpf(0), mp.mpf(0)
    for layer in layers:
        if layer[0] == 'dense':
            w2, b2 = mp.mpf(layer[1]), mp.mpf(layer[2])
            q, q12 = w2 * q + b2, w2 * q12 + b2
            t, t12 = w2 * t + q, w2 * t12 + q12
        elif layer[0] == 'layernorm':
            q12, t, t12, q = q12 / q, t / q, t12 / q, mp.mpf(1)
        elif layer[0] == 'residual':
            a, b = mp.mpf(layer[1]), mp.mpf(layer[2])
            (bq, bq12, bt, bt12) = network_from(layer[3], q, q12, t, t12)
            q, q12, t, t12 = a * a * q + b * b * bq, a * a * q12 + b * b * bq12, a * a * t + b * b * bt, a * a * t12 + b * b * bt12
        else:
            f, df, kinked = activation(layer[0])
            k11, d11 = expect1(lambda x: f(x) ** 2, q), expect1(lambda x: df(x) ** 2, q)
            k12, d12 = expect2(f, f, q, q, q12, kinked, layer[0], 0), expect2(df, df, q, q, q12, kinked, layer[0], 1)
            q, q12, t, t12 = k11, k12, d11 * t, d12 * t12
    return q, q12, t, t12


def network_from(layers, q, q12, t, t12):
    # The same recursion started from a given state (a residual branch).
    state = [q, q12, t, t12]
    for layer in layers:
        state = list(step(layer, *state))
    return tuple(state)


def step(layer, q, q12, t, t12):
    if layer[0] == 'dense':
        w2, b2 = mp.mpf(layer[1]), mp.mpf(layer[2])
        q, q12 = w2 * q + b2, w2 * q12 + b2
        return q, q12, w2 * t + q, w2 * t12 + q12
    if layer[0] == 'layernorm':
        return mp.mpf(1), q12 / q, t / q, t12 / q
    f, df, kinked = activation(layer[0])
    k11, d11 = expect1(lambda x: f(x) ** 2, q), expect1(lambda x: df(x) ** 2, q)
    k12, d12 = expect2(f, f, q, q, q12, kinked, layer[0], 0), expect2(df, df, q, q, q12, kinked, layer[0], 1)
    return k11, k12, d11 * t, d12 * t12


CASES = [
    ("dense(sigma_w2=1.5,sigma_b2=0.1) elu dense(sigma_w2=1.5,sigma_b2=0.1) elu dense",
     [('dense', '1.5', '0.1'), ('elu',), ('dense', '1.5', '0.1'), ('elu',), ('dense', 1, 0)], 1.3, 0.4),
    ("dense residual[elu dense(sigma_w2=1.5)]*2 layernorm elu dense(sigma_w2=1.5)",
     [('dense', 1, 0)] + [('residual', 1, 1, [('elu',), ('dense', '1.5', 0)])] * 2 + [('layernorm',), ('elu',), ('dense', '1.5', 0)], 0.8, -0.3),
    ("dense selu dense residual(skip=0.8,branch=0.6)[selu dense]*2",
     [('dense', 1, 0), ('selu',), ('dense', 1, 0)] + [('residual', '0.8', '0.6', [('selu',), ('dense', 1, 0)])] * 2, 1.0, 0.5),
    ("dense(sigma_w2=2,sigma_b2=0.05) tanh dense(sigma_w2=2,sigma_b2=0.05) layernorm residual[tanh dense(sigma_w2=2)]",
     [('dense', 2, '0.05'), ('tanh',), ('dense', 2, '0.05'), ('layernorm',),
      ('residual', 1, 1, [('tanh',), ('dense', 2, 0)])], 2.0, 0.7),
]


def main():
    results = []
    for spec, layers, q0, c0 in CASES:
        q, q12, t, t12 = network(layers, mp.mpf(q0), mp.mpf(c0))
        results.append({'network': spec, 'q0': q0, 'c0': c0, 'values': [float(q), float(q12), float(t), float(t12)]})
        print(spec, results[-1]['values'], flush=True)
    with open(os.path.join(HERE, 'quadrature_references.json'), 'w') as f:
        json.dump(results, f, indent=1)
        f.write('\n')
    lines = ['// Generated by Tests/Generators/networks/make_quadrature_references.py (mpmath 25 digits; nested',
             '// quadrature for tanh, closed-form inner integrals for elu/selu). Do not edit.', '',
             '/// Two-input output kernels (Sigma_11, Sigma_12, Theta_11, Theta_12) of elu / selu / tanh networks.',
             'enum QuadratureNetworkReferences {',
             '    struct Reference { let network: String; let q0: Double; let c0: Double; let values: [Double] }',
             '    static let references: [Reference] = [']
    for r in results:
        lines.append('        Reference(network: %s, q0: %r, c0: %r, values: [%s]),'
                     % (json.dumps(r['network']), float(r['q0']), float(r['c0']), ', '.join(repr(v) for v in r['values'])))
    lines += ['    ]', '}', '']
    with open(SWIFT, 'w') as f:
        f.write('\n'.join(lines))


if __name__ == '__main__':
    main()
