"""The regression gate: thresholds kept in one file, checked after a run.

The file (``eval/thresholds.json``) records when and how the numbers were
measured, the measured values, and thresholds set just below them. A run fails
the gate when a metric of a group it covers falls below its threshold (or, for
false refusals, rises above it). Latency is not gated: timings belong to the
benchmarks, not to a pass/fail check on a shared CI machine.
"""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

from rag.errors import InputError
from rag.evaluation.metrics import METRICS, UNGATED
from rag.evaluation.runner import EvalRun

LOWER_IS_BETTER = frozenset({"false_refusals"})
GATED = tuple(m for m in METRICS if m not in UNGATED)


def load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"no thresholds file at {path}") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from exc
    if not isinstance(data.get("thresholds"), dict):
        raise InputError(f"{path}: needs a \"thresholds\" object: {{group: {{metric: value}}}}")
    for group, metrics in data["thresholds"].items():
        unknown = set(metrics) - set(GATED)
        if unknown:
            raise InputError(f"{path}: {group}: unknown metric(s) {sorted(unknown)}; "
                             f"choose from {', '.join(GATED)}")
    return data


def check_setup(spec: dict[str, Any], mode: str, scope: str) -> None:
    """Refuse to compare a run with thresholds measured another way."""
    for key, value in (("mode", mode), ("scope", scope)):
        want = spec.get(key)
        if want is not None and want != value:
            raise InputError(f"the thresholds were measured with {key}={want}; "
                             f"run with --{key} {want}")


def check(run: EvalRun, spec: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(failures, groups not covered by this run) against a loaded thresholds file."""
    check_setup(spec, run.mode, run.scope)
    failures, absent = [], []
    for group, limits in spec["thresholds"].items():
        got = run.metrics.get(group)
        if got is None:
            absent.append(group)
            continue
        for name, limit in limits.items():
            if name not in got:
                continue
            value = got[name].value
            bad = value > limit if name in LOWER_IS_BETTER else value < limit
            if bad:
                side = "above" if name in LOWER_IS_BETTER else "below"
                failures.append(f"{group} {name} = {value:.3f}, {side} the threshold {limit:.3f}")
    return failures, absent


def propose(run: EvalRun, margin: float = 0.02) -> dict[str, Any]:
    """A thresholds file for this run: each gated metric just past its measured value.

    The slack is ``margin`` or one question's worth, whichever is larger, so a
    single answer that flips on another CPU's float rounding does not fail CI.
    """
    # Per question set only: "all" mixes whatever sets a machine can run (CI without
    # ../shared/corpus runs only the founding set), so its values are not comparable.
    groups = [g for g in run.metrics if g.startswith("set:")]
    thresholds: dict[str, dict[str, float]] = {}
    measured: dict[str, dict[str, float]] = {}
    for g in groups:
        ms = {k: m for k, m in run.metrics[g].items() if k in GATED}
        measured[g] = {k: round(m.value, 4) for k, m in ms.items()}
        thresholds[g] = {}
        for k, m in ms.items():
            slack = max(margin, 1 / m.n)
            thresholds[g][k] = (
                min(1.0, math.ceil(round((m.value + slack) * 100, 6)) / 100)
                if k in LOWER_IS_BETTER
                else max(0.0, math.floor(round((m.value - slack) * 100, 6)) / 100))
    return {
        "measured_on": date.today().isoformat(),
        "how": "reportbot eval --save-thresholds eval/thresholds.json (all sets, "
               f"mode {run.mode}, scope {run.scope})",
        "mode": run.mode,
        "scope": run.scope,
        "questions": {k: len(v) for k, v in run.datasets.items()},
        "margin": margin,
        "measured": measured,
        "thresholds": thresholds,
    }


def merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``old``'s thresholds loosened to ``new``'s where those are looser, group by group.

    For a gate that must hold on two indexes: the whole index and the founding report
    alone (CI without ../shared/corpus). Groups only one file has are kept as they are;
    the second run's values are kept under ``measured_also``."""
    check_setup(old, new.get("mode", ""), new.get("scope", ""))
    thresholds = {g: dict(m) for g, m in old["thresholds"].items()}
    for group, limits in new["thresholds"].items():
        mine = thresholds.setdefault(group, {})
        for name, limit in limits.items():
            if name not in mine:
                mine[name] = limit
            else:
                loose = max if name in LOWER_IS_BETTER else min
                mine[name] = loose(mine[name], limit)
    return {**old, "thresholds": thresholds,
            "measured_also": new.get("measured", {}),
            "questions_also": new.get("questions", {})}
