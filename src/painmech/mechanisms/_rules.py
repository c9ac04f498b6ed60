"""The mechanism rules: the generic "any component" rule and the mechanisms with
their own logic (pressure pattern, peripheral sensitisation, CPM reliability,
cold threshold after whiplash, tDCS response class).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from painmech.mechanisms._catalog import CATALOG, Component, MechanismSpec
from painmech.mechanisms._components import (
    UNIT,
    Context,
    Outcome,
    combine_any,
    evaluate,
    join_tokens,
    value_of,
)
from painmech.mechanisms._model import status_from_probability

__all__ = ["RULES", "apply_rule"]


def _components(ctx: Context, spec: MechanismSpec) -> dict:
    return {c.id: evaluate(ctx, c) for c in spec.components}


def _merge_tokens(*arrays) -> np.ndarray:
    arrays = [a for a in arrays if a is not None]
    n = len(arrays[0])
    out = np.full(n, "", dtype=object)
    for a in arrays:
        a = np.asarray(a, dtype=object)
        given, empty = a != "", out == ""
        append = given & ~empty  # strings are built only where both sides have tokens
        out[append] = out[append] + ";" + a[append]
        out[given & empty] = a[given & empty]
    return out


def _pain_free(ctx: Context) -> np.ndarray:
    # pain_state: 1 = in pain, 0 = pain-free (registry, McPhee & Graven-Nielsen 2019)
    return value_of(ctx, "pain_state", "min") == 0


def _generic(ctx: Context, spec: MechanismSpec) -> Outcome:
    return combine_any(ctx, list(_components(ctx, spec).values()))


def _state_marker(ctx: Context, spec: MechanismSpec, out: Outcome) -> Outcome:
    pain_free = _pain_free(ctx)
    n = len(ctx.index)
    out.flags = _merge_tokens(out.flags, join_tokens(n, [(pain_free, "pain_free_at_visit")]))
    out.extra_caveats = _merge_tokens(out.extra_caveats,
                                      join_tokens(n, [(pain_free, "pain_free_at_visit")]))
    return out


#: The PPT side-to-side difference, scored against a fitted reference (registry).
_SIDE = Component("side_difference", ("ppt_side_diff",))


def _pressure(ctx: Context, spec: MechanismSpec) -> Outcome:
    comps = _components(ctx, spec)
    out = combine_any(ctx, list(comps.values()))
    loc = comps["local"].status == "indicated"
    rem = comps["remote"].status == "indicated"
    out.pattern = np.select([loc & rem, loc, rem],
                            ["local_and_widespread", "local", "widespread"], "").astype(object)
    side = evaluate(ctx, _SIDE)
    side_flag = side.status == "indicated"
    out.flags = _merge_tokens(out.flags, join_tokens(len(loc), [(side_flag,
                                                                 "ppt_side_difference")]))
    return _state_marker(ctx, spec, out)


def _peripheral(ctx: Context, spec: MechanismSpec) -> Outcome:
    c = _components(ctx, spec)
    loc, rem, mk = c["local"], c["remote"], c["markers"]
    # sign 1: local hyperalgesia without remote hyperalgesia
    s1 = np.select(
        [loc.status == "not_assessed", loc.status == "not_indicated",
         (loc.status == "indicated") & (rem.status == "not_indicated"),
         (loc.status == "indicated") & (rem.status == "indicated")],
        ["missing", "absent", "present", "absent"], "uncertain")
    # sign 2: a raised inflammatory marker (the highest marker z)
    s2 = np.select([mk.status == "indicated", mk.status == "not_indicated",
                    mk.status == "not_assessed"], ["present", "absent", "missing"],
                   "uncertain")
    off1 = np.isin(s1, ["absent", "missing"])
    off2 = np.isin(s2, ["absent", "missing"])
    status = np.select([(s1 == "missing") & (s2 == "missing"),
                        (s1 == "present") & (s2 == "present"), off1 & off2],
                       ["not_assessed", "indicated", "not_indicated"], "inconclusive")
    p1 = loc.p * (1.0 - rem.p)
    p = np.where(np.isfinite(p1) & np.isfinite(mk.p), p1 * mk.p,
                 np.where(np.isfinite(p1), p1, mk.p))
    z1 = loc.z - np.where(np.isfinite(rem.z), np.maximum(rem.z, 0.0), 0.0)
    score = np.fmin(z1, mk.z)
    n = len(status)
    no_ref = (loc.status == "no_reference") | (mk.status == "no_reference")
    defaulted = loc.defaulted | rem.defaulted | mk.defaulted
    return Outcome(status=status.astype(object), score=score, probability=p,
                   basis=[loc.basis, rem.basis, mk.basis],
                   flags=join_tokens(n, [(no_ref, "no_reference")]),
                   extra_caveats=join_tokens(n, [(no_ref, "no_reference"),
                                                 (defaulted, "default_reliability")]))


def _descending(ctx: Context, spec: MechanismSpec) -> Outcome:
    out = _generic(ctx, spec)
    s = ctx.settings
    effect = value_of(ctx, "cpm_effect", "mean")  # kPa, positive = inhibition
    limit = s.cpm_responder_k * s.cpm_sem_kpa      # Kemp et al. 2020: 2 x SEM
    true_inh = effect > limit
    true_fac = effect < -limit
    within = np.isfinite(effect) & ~true_inh & ~true_fac
    has_p = np.isfinite(out.probability)
    status = np.where(has_p & (out.status == "indicated") & true_inh, "inconclusive",
                      out.status)
    status = np.where(~has_p & true_inh, "not_indicated", status)
    out.status = status.astype(object)
    n = len(status)
    r = ctx.rows
    cpm = r[r["metric"].isin(["cpm_effect", "cpm_rating_effect"])]
    seq = cpm[cpm["method"].astype(str).str.contains("sequential", regex=False)]
    is_seq = np.bincount(seq[UNIT].to_numpy(), minlength=n)[:n] > 0
    out.flags = _merge_tokens(out.flags, join_tokens(n, [
        (true_inh, "cpm_true_inhibition"), (true_fac, "cpm_true_facilitation"),
        (within, "cpm_within_error")]))
    out.extra_caveats = _merge_tokens(out.extra_caveats,
                                      join_tokens(n, [(is_seq, "cpm_sequential")]))
    out.flag_value = effect
    return out


def _cold(ctx: Context, spec: MechanismSpec) -> Outcome:
    out = _generic(ctx, spec)
    cpt = value_of(ctx, "cpt", "max")  # °C, higher = more cold-sensitive
    hit = (ctx.condition == "whiplash") & (cpt >= ctx.settings.cold_cpt_cut_degc)
    n = len(hit)
    out.flags = _merge_tokens(out.flags, join_tokens(n, [(hit, "cpt_ge_13_whiplash")]))
    out.extra_caveats = _merge_tokens(out.extra_caveats,
                                      join_tokens(n, [(hit, "cpt_whiplash_cut")]))
    out.flag_value = np.where(hit, cpt, np.nan)
    return out


def _homeostatic(ctx: Context, spec: MechanismSpec) -> Outcome:
    # homeostatic_z is the standardised change after the second block (Welch t
    # turned into a standard-normal z; positive = no decrease), so Phi(z) is the
    # probability that the true change is not a decrease (flat prior).
    hz = value_of(ctx, "homeostatic_z", "mean")
    cls = value_of(ctx, "homeostatic_class", "mean")
    p = norm.cdf(hz)
    from_cls = np.select([cls == 1, cls == -1, cls == 0],
                         ["indicated", "not_indicated", "inconclusive"], "")
    from_p = status_from_probability(p, ctx.settings)
    status = np.where(from_cls != "", from_cls,
                      np.where(from_p != "", from_p, "not_assessed"))
    r = ctx.rows
    basis = r[r["metric"].isin(["homeostatic_z", "homeostatic_class"])
              & r["value"].notna()][[UNIT, "metric", "ref"]]
    n = len(status)
    return Outcome(status=status.astype(object), score=hz, probability=p, basis=[basis],
                   flags=join_tokens(n, [(np.isfinite(cls), "homeostatic_class")]),
                   flag_value=cls)


def _summation(ctx: Context, spec: MechanismSpec) -> Outcome:
    return _state_marker(ctx, spec, _generic(ctx, spec))


#: Rules with their own logic; every other mechanism uses the generic rule.
RULES = {
    "pressure_hyperalgesia": _pressure,
    "peripheral_sensitization": _peripheral,
    "temporal_summation": _summation,
    "descending_inhibition": _descending,
    "cold_hyperalgesia": _cold,
    "homeostatic_plasticity": _homeostatic,
}


def apply_rule(ctx: Context, mechanism: str) -> Outcome:
    """Evaluate one mechanism for every subject and visit of the context."""
    spec = CATALOG[mechanism]
    out = RULES.get(mechanism, _generic)(ctx, spec)
    n = len(ctx.index)
    for name in ("pattern", "flags", "extra_caveats"):
        if getattr(out, name) is None:
            setattr(out, name, np.full(n, "", dtype=object))
    if out.flag_value is None:
        out.flag_value = np.full(n, np.nan)
    return out
