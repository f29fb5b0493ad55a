"""Cases: single items that need a person, routed to the touchpoint's owner.

Rules are data (`data/cases.yaml`): each says which coded items open a case (a very negative item,
a negative code on chosen dimensions, a call not resolved or transferred too often, a customer who
complained again) and how severe it is. Owners come from the touchpoint file (`owner`, `escalation`).
A case is opened once per item (and not again for a near copy of it), with the rules that fired,
the evidence clauses and the model and rules versions that decided; it is then walked
open → acknowledged → closed (`voc cases`). Opening reads only items coded since the last pass.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Sequence

import pandas as pd
import yaml

from pipeline.items import stable_hash
from pipeline.paths import DATA_DIR
from pipeline.store import Engine, utcnow
from pipeline.store import cases as cases_repo
from pipeline.store import coding as coding_repo
from pipeline.store import settings as store_settings
from pipeline.touchpoints import TouchpointMap

CASES_CONFIG = DATA_DIR / "cases.yaml"
SEVERITIES = ("low", "medium", "high", "critical")
STATUSES = ("open", "acknowledged", "closed")
EVIDENCE_CLAUSES = 3


@dataclass(frozen=True)
class CaseRule:
    """One rule: every condition it names must hold (a rule naming none matches nothing)."""

    name: str
    severity: str
    description: str
    channels: tuple[str, ...] = ()
    item_score_below: float | None = None
    negative_on: tuple[str, ...] = ()  # dimension or sub-dimension ids
    code_score_below: float = 0.0  # with negative_on: how negative the code must be
    call_resolved: bool | None = None
    transfers_at_least: int | None = None
    repeat_complaints: int | None = None  # negative items of the same customer in the window, this one included


@dataclass(frozen=True)
class CaseRules:
    """The rules of `data/cases.yaml`, the severity from which a case also goes to the escalation
    contact, and the window for repeat complaints."""

    rules: tuple[CaseRule, ...]
    escalate_at: str = "high"
    repeat_window_days: int = 30
    version: str = ""

    @classmethod
    def load(cls, path: Path = CASES_CONFIG) -> "CaseRules":
        path = Path(path)
        text = path.read_text(encoding="utf-8")
        doc = yaml.safe_load(text) or {}
        unknown = set(doc) - {"rules", "escalate_at", "repeat_window_days"}
        if unknown:
            raise ValueError(f"{path}: unknown case settings {sorted(unknown)}")
        known = {f.name for f in fields(CaseRule)} - {"name", "severity", "description"}
        rules = []
        for n, entry in enumerate(doc.get("rules") or [], start=1):
            where = f"{path}: rule {n} ({entry.get('name', 'unnamed')})"
            if not entry.get("name") or entry.get("severity") not in SEVERITIES:
                raise ValueError(f"{where}: needs a name and a severity ({', '.join(SEVERITIES)})")
            when = entry.get("when") or {}
            if not when or set(when) - known:
                raise ValueError(f"{where}: `when` needs conditions among {sorted(known)}; "
                                 f"unknown: {sorted(set(when) - known)}")
            values = {k: tuple(v) if isinstance(v, list) else v for k, v in when.items()}
            rules.append(CaseRule(entry["name"], entry["severity"], entry.get("description", entry["name"]), **values))
        if not rules:
            raise ValueError(f"{path}: no rules")
        escalate_at = doc.get("escalate_at", "high")
        if escalate_at not in SEVERITIES:
            raise ValueError(f"{path}: escalate_at must be one of {', '.join(SEVERITIES)}")
        return cls(tuple(rules), escalate_at, int(doc.get("repeat_window_days", 30)), stable_hash(text, length=10))


@dataclass
class OpenedCases:
    """What one pass opened."""

    cases: list[dict[str, Any]] = field(default_factory=list)
    considered: int = 0


def case_id(item_id: str) -> str:
    return "C-" + stable_hash("case", item_id, length=10)


def open_cases(store: Engine, rules: CaseRules, touchpoints: TouchpointMap, all_items: bool = False) -> OpenedCases:
    """Open a case for every coded item a rule matches that has none yet; only items coded since the
    last pass unless `all_items` (after the rules changed). The highest severity among the rules that
    fired is the case's; a case at `escalate_at` or above also goes to the touchpoint's escalation."""
    since = None if all_items else store_settings.get(store, "cases_coded_at")
    mark = coding_repo.last_coded_at(store)  # read before the candidates
    found = cases_repo.candidates(store, rules.rules, rules.repeat_window_days, since)
    result = OpenedCases(considered=len(found))
    evidence = cases_repo.evidence(store, list(found.item_id), EVIDENCE_CLAUSES)
    escalate_rank = SEVERITIES.index(rules.escalate_at)
    now = utcnow()
    with store.transaction():
        for row in found.to_dict("records"):
            fired = [rule for n, rule in enumerate(rules.rules) if row[f"r{n}"]]
            worst = max(fired, key=lambda r: SEVERITIES.index(r.severity))
            rank = SEVERITIES.index(worst.severity)
            owner, escalation = touchpoints.owners(row["touchpoint"])
            case = {
                "case_id": case_id(row["item_id"]), "item_id": row["item_id"], "channel": row["channel"],
                "touchpoint": row["touchpoint"], "owner": owner, "escalation": escalation,
                "escalated": bool(escalation) and rank >= escalate_rank, "severity": worst.severity,
                "severity_rank": rank, "rules": ",".join(r.name for r in fired),
                "reason": "；".join(r.description for r in fired),
                "evidence": json.dumps(evidence.get(row["item_id"], []), ensure_ascii=False),
                "item_score": row["item_score"], "occurred_at": row["occurred_at"],
                "model_version": row["model_version"], "rules_version": rules.version, "status": "open",
                "opened_at": now,
            }
            if cases_repo.insert(store, case):  # False: a concurrent pass opened it first; opened once
                result.cases.append(case)
        if mark is not None:
            store_settings.put(store, "cases_coded_at", str(mark))
    return result


# -- reading and walking cases ----------------------------------------------------------------
CASE_LIST_COLUMNS = ("case_id", "status", "severity", "channel", "touchpoint", "owner", "rules", "age_days",
                     "item_score")


def list_cases(store: Engine, status: Sequence[str] = (), touchpoint: Sequence[str] = (), owner: Sequence[str] = (),
               severity: Sequence[str] = (), channel: Sequence[str] = (), limit: int | None = None) -> pd.DataFrame:
    """Cases (v_cases rows), most severe and oldest first, filtered by any of the given values."""
    return cases_repo.listing(store, {"status": status, "touchpoint": touchpoint, "owner": owner,
                                      "severity": severity, "channel": channel}, limit)


class CaseError(ValueError):
    """A case that does not exist, or a step its status does not allow."""


def get_case(store: Engine, ref: str) -> dict[str, Any]:
    """The case whose id is `ref` or starts with it (unambiguously)."""
    rows = cases_repo.matching(store, ref)
    exact = rows[rows.case_id == ref]
    if len(exact):
        rows = exact
    if not len(rows):
        raise CaseError(f"no case {ref!r}")
    if len(rows) > 1:
        raise CaseError(f"{ref!r} names {len(rows)} cases ({', '.join(rows.case_id.head(5))}…): give more of the id")
    case = rows.iloc[0].to_dict()
    case["evidence"] = json.loads(case["evidence"] or "[]")
    return case


def acknowledge(store: Engine, ref: str, by: str | None = None) -> dict[str, Any]:
    """open → acknowledged."""
    case = get_case(store, ref)
    if case["status"] != "open":
        raise CaseError(f"case {case['case_id']} is {case['status']}: only an open case is acknowledged")
    cases_repo.acknowledge(store, case["case_id"], by, utcnow())
    return get_case(store, case["case_id"])


def close(store: Engine, ref: str, note: str, by: str | None = None) -> dict[str, Any]:
    """open or acknowledged → closed, with a closing note (an open case is acknowledged at the same time)."""
    if not note or not note.strip():
        raise CaseError("closing a case needs a note saying what was done")
    case = get_case(store, ref)
    if case["status"] == "closed":
        raise CaseError(f"case {case['case_id']} is already closed")
    cases_repo.close(store, case["case_id"], note.strip(), by, utcnow())
    return get_case(store, case["case_id"])
