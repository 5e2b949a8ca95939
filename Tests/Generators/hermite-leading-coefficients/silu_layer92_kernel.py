"""Layer 92 of `mfsim ntk --activation silu --q0 50 --sigma-w2 2.0049251745788927 --sigma-b2 0 --c0 -1:1:21 --layers 200`
at c0 = -1, from layer 91's (q, q12) as mfsim printed them: nested tanh-sinh at 30 digits. Before: 24.698236069249077,
after: 24.698236069248992. Run: python3 silu_layer92_kernel.py > silu_layer92_kernel.txt"""
import mpmath as mp
mp.mp.dps = 30
q = mp.mpf(25.98948247464452); q12 = mp.mpf(25.03347190322917); w2 = mp.mpf(2.0049251745788927)
rho = q12 / q; s = mp.sqrt(q); t = mp.sqrt(1 - rho**2)
silu = lambda x: x / (1 + mp.exp(-x))
def inner(z1):
    a = rho * z1
    return mp.quad(lambda z2: silu(s * (a + t * z2)) * mp.npdf(z2), [-mp.inf, -3, 0, 3, mp.inf])
K = mp.quad(lambda z1: silu(s * z1) * mp.npdf(z1) * inner(z1), [-mp.inf, -3, 0, 3, mp.inf])
print("nngp_12(92) =", mp.nstr(w2 * K, 25))
