"""The painmech dorsal-horn wind-up train written as Brian2 equations.

Run in the Brian2 environment (benchmarks/brian2/setup.sh):
``python dorsal_horn_brian2.py INPUT.npz OUTPUT.npz``. INPUT holds the model
constants and per-patient inputs written by ``benchmarks/_brian2_case.py``
(so the constants are painmech's, not copied here); OUTPUT holds the area of
P above threshold per stimulus (Hz·s) and the wall-clock seconds.

E and P are integrated by Brian2's exponential Euler (all variables updated
from the previous step); the slow NMDA gain and the area are updated after
the step, as in painmech. Between stimuli E and P restart at 0 and g_N decays
exactly, as painmech does.
"""

import sys
import time

import numpy as np
from brian2 import Network, NeuronGroup, TimedArray, defaultclock, ms, prefs

prefs.codegen.target = "numpy"


def main(inp: str, outp: str) -> None:
    d = np.load(inp)
    k = {key: float(d[key]) for key in d.files if d[key].ndim == 0}
    n = len(d["c_amp"])
    defaultclock.dt = k["DT"] * ms
    c_sh = TimedArray(d["c_shape"], dt=k["DT"] * ms)
    ab_sh = TimedArray(d["ab_shape"], dt=k["DT"] * ms)
    i_tr = TimedArray(d["i_trace"], dt=k["DT"] * ms)
    eqs = """
    c = c_amp * c_sh(t - t0) : 1
    dex/dt = (half * (1 + tanh((g_ce * c - g_ie * i_tr(t - t0) - beta_e) / alpha_e)) - ex)
            / tau_e : 1
    dp/dt = (half * (1 + tanh((g_cp * (1 + nmda * g_n) * c + g_ep * ex
             + g_abp * ab_amp * ab_sh(t - t0) - g_ip * i_tr(t - t0) - beta_p) / alpha_p))
             - p) / tau_p : 1
    g_n : 1
    area : 1
    c_amp : 1 (constant)
    nmda : 1 (constant)
    """
    ns = {"half": 0.5 * k["M_RATE"], "g_ce": k["G_CE"], "g_ie": k["G_IE"],
          "beta_e": k["BETA_E"], "alpha_e": k["ALPHA_E"], "tau_e": k["TAU_E"] * ms,
          "g_cp": k["G_CP"], "g_ep": k["G_EP"], "g_abp": k["G_ABP"], "g_ip": k["G_IP"],
          "ab_amp": k["AB_AMP"], "beta_p": k["BETA_P"], "alpha_p": k["ALPHA_P"],
          "tau_p": k["TAU_P"] * ms, "c_sh": c_sh, "ab_sh": ab_sh, "i_tr": i_tr,
          "t0": 0 * ms}
    group = NeuronGroup(n, eqs, method="exponential_euler", namespace=ns)
    group.c_amp = d["c_amp"]
    group.nmda = k["W_NMDA"] * (1.0 + k["K_GAIN"] * d["k_w"])
    group.run_regularly(
        f"g_n += ((1 + tanh((p - {k['BETA_G']}) / {k['ALPHA_G']})) * {0.5 * k['M_G']} - g_n)"
        f" * {k['DT'] / k['TAU_N']}\n"
        f"area += clip(p - {k['P_THRESHOLD']}, 0, inf)", when="end")
    net = Network(group)
    n_stim, window = int(k["N_STIM"]), int(k["WINDOW"])
    gap = k["ISI_MS"] - window * k["DT"]
    out = np.zeros((n, n_stim))
    t_start = time.perf_counter()
    for s in range(n_stim):
        group.ex = 0.0
        group.p = 0.0
        group.area = 0.0
        ns["t0"] = net.t
        net.run(window * k["DT"] * ms, namespace=ns)
        out[:, s] = np.asarray(group.area) * k["DT"] / 1000.0
        if gap > 0:
            group.g_n = np.asarray(group.g_n) * np.exp(-gap / k["TAU_N"])
    seconds = time.perf_counter() - t_start
    np.savez(outp, area=out, seconds=seconds)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
