"""simulate.csv's tanh c_predicted at layer 1 (q0 = 1, c0 = 0.5, sigma_w2 = k): nested tanh-sinh at 30 digits.
Before the Hermite series took a0..a2 from the 1D engine mfsim printed 0.47255139937524426, after 0.47255139937524276.
Run: python3 tanh_layer1_correlation.py > tanh_layer1_correlation.txt"""
import mpmath as mp
mp.mp.dps = 30
w2 = mp.mpf(2.5361754332174535)
f = lambda x: mp.tanh(x)
def inner(z1, rho):
    t = mp.sqrt(1 - rho**2)
    return mp.quad(lambda z2: f(rho * z1 + t * z2) * mp.npdf(z2), [-mp.inf, 0, mp.inf])
rho = mp.mpf(0.5)
K = mp.quad(lambda z1: f(z1) * mp.npdf(z1) * inner(z1, rho), [-mp.inf, 0, mp.inf])
Q = mp.quad(lambda z: f(z)**2 * mp.npdf(z), [-mp.inf, 0, mp.inf])
print("c1 =", mp.nstr(K / Q, 25), " q1 =", mp.nstr(w2 * Q, 25))
