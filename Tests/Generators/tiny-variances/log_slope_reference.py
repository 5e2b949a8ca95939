"""E[log phi'(X)], X ~ N(m, q), of tanh, sigmoid and erf at small variances, for mfsim #13 (item: tanh at 1e-6).

Run:  python3 Tests/Generators/tiny-variances/log_slope_reference.py > Tests/Generators/tiny-variances/log_slope_output.txt
(mpmath from PyPI). 40-digit mp.quad of log phi'(m + sqrt(q) z) pdf(z) over (-inf, 0, inf), with
log sech^2 x = -2 log cosh x, log sigma'(x) = log sigma(x) + log sigma(-x), log erf'(x) = log(2/sqrt(pi)) - x^2.
Each line: activation mean variance value (25 digits); the literals are pasted into
Tests/MeanFieldTests/Slopes/TinyVarianceTests.swift.
"""
import mpmath as mp

mp.mp.dps = 40
LOG_DERIVATIVE = {
    "tanh": lambda x: -2 * mp.log(mp.cosh(x)),
    "sigmoid": lambda x: -mp.log1p(mp.exp(-x)) - mp.log1p(mp.exp(x)),
    "erf": lambda x: mp.log(2 / mp.sqrt(mp.pi)) - x * x,
}
for name, f in LOG_DERIVATIVE.items():
    for m, q in (("0", "1e-6"), ("0", "1e-5"), ("0.001", "1e-6"), ("-0.002", "1e-5")):
        mm, qq = mp.mpf(float(m)), mp.mpf(float(q))
        s = mp.sqrt(qq)
        value = mp.quad(lambda z: f(mm + s * z) * mp.npdf(z), [-mp.inf, 0, mp.inf])
        print(name, m, q, mp.nstr(value, 25))
