"""Options of the metric computations, with the source of every default."""

from __future__ import annotations

from dataclasses import dataclass

from painmech._utils._checks import check_option

__all__ = ["MetricOptions"]


@dataclass(frozen=True)
class MetricOptions:
    """Choices that the protocols leave open, made explicit.

    Parameters
    ----------
    mps_offset : float
        NRS points (0–100 scale) added to every pinprick rating before the
        geometric mean of MPS, so that ratings of 0 do not make it 0 (and its
        logarithm −∞). The DFNS log-transforms MPS and adds a small constant to
        the ratings first, but the constant could not be verified in the
        sources available to painmech (evidence.md: "unverified"); the
        default 0.1 is therefore **painmech's own choice**. It is written into
        each row's ``method``; reference values must use the same offset.
    wur_offset : float or None
        ``None`` (default): the wind-up ratio is undefined (NaN, reason in
        ``method``) when the mean single-stimulus rating is 0 — painmech's
        rule, since a ratio to zero has no finite value. A number ``c``:
        ``(mean train + c) / (mean single + c)`` for every row, a common
        workaround that biases the ratio towards 1.
    cpm_design : {"auto", "parallel", "sequential"}
        Which test measurement is compared with ``cpm_ppt_before``: during
        conditioning (parallel), after it (sequential), or during when
        recorded and otherwise after (auto). Yarnitsky et al. 2015 Eur J Pain
        19:805 describe both designs.
    cpm_min_baseline_kpa : float
        Baseline PPT (kPa) below which ``cpm_effect_pct`` is NaN instead of a
        percentage of a near-zero number. Default 50 kPa, the lower end of
        the usual PPT range in painmech's registry — painmech's own threshold.
    cpm_min_baseline_rating : float
        Baseline test-stimulus rating (NRS 0–100) below which
        ``cpm_rating_effect_pct`` is NaN. Default 10 points — painmech's own
        threshold: below it a one-point change is already ≥ 10 % of baseline.
    odi_max_missing, ndi_max_missing : int
        Items that may be missing before the ODI/NDI is not scored; with
        missing items the score is ``sum / (5 × answered) × 100``. Default 1,
        the case covered by the ODI scoring instructions (Fairbank & Pynsent
        2000 Spine 25:2940: one missed section → divide by 45); the NDI
        follows the same rule by analogy (painmech's choice).
    pcs_max_missing, frebaq_max_missing : int
        Items that may be missing before the PCS (13 items) or FreBAQ (9
        items) total is not scored; with missing items the sum is prorated
        (``sum × n_items / answered``). Default 1 — painmech's choice,
        carried over from the ODI rule; neither instrument's publications
        available to painmech give a rule.
    """

    mps_offset: float = 0.1
    wur_offset: float | None = None
    cpm_design: str = "auto"
    cpm_min_baseline_kpa: float = 50.0
    cpm_min_baseline_rating: float = 10.0
    odi_max_missing: int = 1
    ndi_max_missing: int = 1
    pcs_max_missing: int = 1
    frebaq_max_missing: int = 1

    def __post_init__(self) -> None:
        check_option("cpm_design", self.cpm_design, ("auto", "parallel", "sequential"))
        if not self.mps_offset > 0:
            raise ValueError(f"mps_offset must be > 0 NRS points, got {self.mps_offset!r}")
        if self.wur_offset is not None and not self.wur_offset > 0:
            raise ValueError(f"wur_offset must be None or > 0, got {self.wur_offset!r}")
        for name in ("odi_max_missing", "ndi_max_missing", "pcs_max_missing",
                     "frebaq_max_missing"):
            val = getattr(self, name)
            if not isinstance(val, int) or val < 0:
                raise ValueError(f"{name} must be a whole number ≥ 0, got {val!r}")
