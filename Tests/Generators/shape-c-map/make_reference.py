"""The 50-layer C map of TAT-shaped tanh (`mfsim shape --method tat --activation tanh --depth 50 --c-map 21`)
at 40 digits, from Mehler's series of the local map:
    C(c) = sum_n a_n^2 c^n / sum_n a_n^2,   a_n = E[phi_hat(x) He_n(x)] / sqrt(n!),  x ~ N(0, 1),
phi_hat(x) = out_scale * (tanh(in_scale * x + in_shift) + out_shift) with the solver's doubles (the spec mfsim
prints). in_scale = 0.08 puts tanh's poles ~19 from the real axis, so a_n decays geometrically: 80 terms are
far beyond 40 digits (the printed tail bound says by how much). Run: python3 make_reference.py > reference.txt
"""
import mpmath as mp

mp.mp.dps = 50
SCALE, SHIFT = mp.mpf(0.08165523587395113), mp.mpf(0.5258489448021326)
OUT_SHIFT, OUT_SCALE = mp.mpf(-0.48318895503034004), mp.mpf(15.941633503335332)
TERMS = 80

def phi(x):
    return OUT_SCALE * (mp.tanh(SCALE * x + SHIFT) + OUT_SHIFT)

def coefficient(n):
    # E[phi He_n] = E[phi^(n)] (Gaussian integration by parts); by quadrature of phi He_n against the density.
    f = lambda x: phi(x) * mp.hermite(n, x / mp.sqrt(2)) * 2 ** (-mp.mpf(n) / 2) * mp.npdf(x)
    return mp.quad(f, [-mp.inf, -20, -5, 0, 5, 20, mp.inf]) / mp.sqrt(mp.factorial(n))

a2 = [coefficient(n) ** 2 for n in range(TERMS)]
q = mp.fsum(a2)

def local(c):
    return mp.fsum(a2[n] * c ** n for n in range(TERMS)) / q

print(f"# Q(1) = E[phi_hat^2] = {mp.nstr(q, 30)}; last terms a_n^2/Q: " +
      ", ".join(mp.nstr(a2[n] / q, 3) for n in range(TERMS - 3, TERMS)))
print("c_in,c_out")
for i in range(21):
    c_in = 1.0 if i == 20 else -1 + 2 * i / 20          # the doubles mfsim uses
    c = mp.mpf(c_in)
    for _ in range(50):
        c = local(c)
    print(f"{c_in!r},{mp.nstr(c, 30)}")
