#!/usr/bin/env python3
"""Figures from the tables `mfsim export` writes into this folder (see manifest.json).

usage: python3 plot.py [FOLDER]      (default: the folder this script is in; `make figures` sets up
                                      matplotlib from PyPI in a virtual environment and runs it)
Writes FOLDER/figures/*.png. Reads only the CSV files; computes nothing but ratios for display.
"""
import csv
import math
import os
import sys
from collections import defaultdict

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

FOLDER = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(FOLDER, "figures")
os.makedirs(OUT, exist_ok=True)
plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 100, "font.size": 9, "axes.grid": True, "grid.alpha": 0.3})


def rows(name):
    with open(os.path.join(FOLDER, name), newline="") as f:
        return list(csv.DictReader(f))


def number(text):
    return float(text) if text not in ("", None) else math.nan


def by(table, key):
    groups = defaultdict(list)
    for r in table:
        groups[r[key]].append(r)
    return groups


def short(spec):
    return spec.split(":")[0]


def save(fig, name):
    fig.tight_layout()
    fig.savefig(os.path.join(OUT, name))
    plt.close(fig)
    print("wrote", os.path.join(OUT, name))


def depth_panels(table, panels, output):
    """Two columns of a sweep table against layer, one line per activation; panels are
    (column, axis settings) pairs."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    for spec, rs in by(rows(table), "activation").items():
        layers = [int(r["layer"]) for r in rs]
        for ax, (column, _) in zip(axes, panels):
            ax.plot(layers, [number(r[column]) for r in rs], label=short(spec))
    for ax, (_, settings) in zip(axes, panels):
        ax.set(xlabel="layer", **settings)
    axes[0].legend()
    save(fig, output)


# 1. Model A: mean and variance through depth.
depth_panels("depth_sweep_snn.csv", [
    ("mean", dict(ylabel="mean of activations", title="Model A: mean (omega = 0, tau = 1)")),
    ("variance", dict(ylabel="variance of activations", yscale="log", title="Model A: variance"))],
    "snn_mean_variance.png")

# 2. Model B: q and c through depth at the critical sigma_w2 = k.
depth_panels("depth_sweep_gaussian.csv", [
    ("q", dict(ylabel="q (pre-activation variance)", title="Model B: length map, sigma_w2 = k")),
    ("c", dict(ylabel="c (correlation of two inputs)", title="Model B: correlation map from c0 = 0.5"))],
    "gaussian_q_c.png")

# 3. Phase diagrams with the edge of chaos.
edges = by(rows("edge.csv"), "activation")
fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
for ax, (name, spec) in zip(axes, [("phase_tanh.csv", "tanh"), ("phase_elu.csv", "elu:alpha=1")]):
    table = rows(name)
    ws = sorted({number(r["sigma_w2"]) for r in table})
    bs = sorted({number(r["sigma_b2"]) for r in table})
    grid = {(number(r["sigma_w2"]), number(r["sigma_b2"])): number(r["chi1"]) for r in table}
    z = [[math.log(grid[(w, b)]) if grid[(w, b)] > 0 else math.nan for w in ws] for b in bs]
    mesh = ax.pcolormesh(ws, bs, z, cmap="coolwarm", vmin=-1, vmax=1, shading="nearest")
    line = [(number(r["sigma_w2"]), number(r["sigma_b2"])) for r in edges.get(spec, []) if r["sigma_w2"]]
    if line:
        ax.plot([w for w, _ in line], [b for _, b in line], "k-", lw=1.5, label="edge of chaos (chi1 = 1)")
        ax.legend(loc="upper left")
    ax.set(xlabel="sigma_w2", ylabel="sigma_b2", title=f"{short(spec)}: log chi1 (ordered < 0 < chaotic)",
           xlim=(ws[0], ws[-1]), ylim=(bs[0], bs[-1]))
    fig.colorbar(mesh, ax=ax)
save(fig, "phase_diagrams.png")

# 4. Expected slope against variance.
fig, ax = plt.subplots(figsize=(6, 3.8))
for spec, rs in by(rows("slopes.csv"), "activation").items():
    ax.plot([number(r["variance"]) for r in rs], [number(r["expected_slope"]) for r in rs], label=short(spec))
ax.set(xlabel="variance q", ylabel="E[phi'(sqrt(q) z)]", title="Expected slope (mean 0)")
ax.legend(ncol=2, fontsize=7)
save(fig, "expected_slope.png")

# 5. NNGP and NTK against c0 at several depths.
table = by(rows("ntk.csv"), "activation")
fig, axes = plt.subplots(1, len(table), figsize=(4 * len(table), 3.4), squeeze=False)
for ax, (spec, rs) in zip(axes[0], table.items()):
    for index, (layer, lr) in enumerate(by(rs, "layer").items()):
        c0 = [number(r["c0"]) for r in lr]
        colour = f"C{index}"
        ax.plot(c0, [number(r["ntk_12"]) / number(r["ntk_11"]) for r in lr], color=colour, label=f"NTK, layer {layer}")
        ax.plot(c0, [number(r["nngp_12"]) / number(r["nngp_11"]) for r in lr], "--", color=colour, lw=0.8, label=f"NNGP, layer {layer}")
    ax.set(xlabel="input correlation c0", ylabel="normalized kernel K12/K11", title=f"{short(spec)}, sigma_w2 = k")
    ax.legend(fontsize=6)
save(fig, "ntk_vs_c0.png")

# 6. Finite-width networks against the mean-field prediction.
table = by(rows("simulate.csv"), "activation")
fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
for spec, rs in table.items():
    layers = [int(r["layer"]) for r in rs]
    for ax, key in zip(axes, ["q", "c"]):
        line, = ax.plot(layers, [number(r[f"{key}_predicted"]) for r in rs], label=f"{short(spec)} mean field")
        ax.errorbar(layers, [number(r[f"{key}_empirical"]) for r in rs], yerr=[2 * number(r[f"{key}_se"]) for r in rs],
                    fmt=".", ms=3, color=line.get_color(), alpha=0.6, label=f"{short(spec)} width 1000 (±2 SE)")
axes[0].set(xlabel="layer", ylabel="q", title="Simulated networks vs mean field: q")
axes[1].set(xlabel="layer", ylabel="c", title="Simulated networks vs mean field: c")
axes[0].legend(fontsize=7)
save(fig, "simulate_vs_mean_field.png")

# 7. Pre- vs post-activation ResNets: the gradient ratio through depth (20 blocks).
fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
for ax, name in zip(axes, ["relu", "elu"]):
    pre = rows(f"resnet_pre_{name}.csv")
    ax.plot([int(r["block"]) for r in pre], [number(r["grad_ratio"]) for r in pre], color="C0", label="pre-activation, mean field")
    # The post-activation network starts with "dense φ": its block b + 1 follows b residual blocks.
    for table, shift, colour, label in [(f"resnet_pre_{name}_simulate.csv", 0, "C0", "pre-activation, width 300 (±2 SE)"),
                                        (f"resnet_post_{name}_simulate.csv", 1, "C3", "post-activation, width 300 (±2 SE)")]:
        rs = [r for r in rows(table) if int(r["block"]) > shift]
        ax.errorbar([int(r["block"]) - shift for r in rs], [number(r["grad_ratio_empirical"]) for r in rs],
                    yerr=[2 * number(r["grad_ratio_se"]) for r in rs], fmt="o" if colour == "C0" else "s", ms=3, color=colour,
                    alpha=0.7, label=label)
    mlp = rows(f"mlp_{name}.csv")
    ax.plot([int(r["block"]) for r in mlp], [number(r["grad_ratio"]) for r in mlp], "--", color="k", lw=1, label="plain MLP, mean field")
    ax.set(xlabel="block", ylabel="E|grad at block|^2 / E|grad at output|^2", yscale="log",
           title=f"{name}: 20 blocks of [{name} dense {name} dense]")
    ax.legend(fontsize=6)
save(fig, "resnet_gradients.png")

# 8. Finite width: fluctuation of the squared gradient norm (Jacobian-vector product) through depth,
#    width 128: the 1/n prediction, its log-normal resummation exp(.) - 1, and 2000 simulated networks.
cases = [("elu, sigma_w2 = k", "finite_width_gradients.csv", "simulate_fluctuations.csv", "elu:alpha=1"),
         ("gelu, sigma_w2 = k", "finite_width_gradients.csv", "simulate_fluctuations.csv", "gelu"),
         ("elu, edge of chaos (sigma_b2 = 0.1)", "finite_width_gradients_elu_edge.csv", "simulate_fluctuations_elu_edge.csv", "elu:alpha=1")]
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
for index, (label, predicted, simulated, spec) in enumerate(cases):
    colour = f"C{index}"
    pr = [r for r in rows(predicted) if r["activation"] == spec]
    sr = [r for r in rows(simulated) if r["activation"] == spec]
    layers = [int(r["layer"]) for r in pr]
    axes[0].plot(layers, [number(r["grad_rel_var"]) for r in pr], "--", color=colour, lw=0.8)
    axes[0].plot(layers, [number(r["grad_rel_var_lognormal"]) for r in pr], "-", color=colour, label=f"{label}: exp(1/n) - 1")
    axes[0].errorbar([int(r["layer"]) for r in sr], [number(r["grad_rel_var_empirical"]) for r in sr],
                     yerr=[2 * number(r["grad_rel_var_se"]) for r in sr], fmt=".", ms=3, color=colour, alpha=0.5,
                     label=f"{label}: simulated (±2 SE)")
    axes[1].plot(layers, [number(r["q_sd"]) for r in pr], "-", color=colour, label=f"{label}: 1/n")
    axes[1].errorbar([int(r["layer"]) for r in sr], [number(r["q_sd_empirical"]) for r in sr],
                     yerr=[2 * number(r["q_sd_se"]) for r in sr], fmt=".", ms=3, color=colour, alpha=0.5)
axes[0].set(xlabel="layer", ylabel="Var[Y]/E[Y]^2, Y = |J u|^2/n", yscale="log", ylim=(1e-2, 1e3),
            title="Gradient-norm fluctuation, width 128 (dashed: 1/n)")
axes[1].set(xlabel="layer", ylabel="sd of q = |z|^2/n across networks", yscale="log", ylim=(1e-2, 1e3),
            title="Fluctuation of q, width 128")
axes[0].legend(fontsize=6)
axes[1].legend(fontsize=6)
save(fig, "finite_width_gradients.png")

# 9. Kernel shaping: the C map of a 50-layer tanh network, untransformed (sigma_w2 = k, so q stays 1) vs DKS vs TAT.
fig, ax = plt.subplots(figsize=(4.6, 3.6))
untransformed = [r for r in rows("ntk_tanh_depth50.csv") if r["layer"] == "50"]
ax.plot([number(r["c0"]) for r in untransformed], [number(r["nngp_12"]) / number(r["nngp_11"]) for r in untransformed],
        label="untransformed (σw² = k)")
for name, label in (("shape_dks_c_map.csv", "DKS (ζ = 1.5)"), ("shape_tat_c_map.csv", "TAT (τ = 0.3)")):
    t = rows(name)
    ax.plot([number(r["c_in"]) for r in t], [number(r["c_out"]) for r in t], label=label)
ax.plot([-1, 1], [-1, 1], color="grey", lw=0.6, ls=":", label="identity")
ax.set(xlabel="input correlation c", ylabel="network C map C_50(c)", title="tanh, 50 layers")
ax.legend()
save(fig, "shaping_c_map.png")
