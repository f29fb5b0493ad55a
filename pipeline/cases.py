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

from pipeline.aggregate import occurred
from pipeline.items import stable_hash
from pipeline.paths import DATA_DIR
from pipeline.store import Store, utcnow
from pipeline.touchpoints import TouchpointMap

CASES_CONFIG = DATA_DIR / "cases.yaml"
SEVERITIES = ("low", "medium", "high", "critical")
STATUSES = ("open", "acknowledged", "closed")
OCCURRED = occurred("i")
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

    def condition(self, window_days: int) -> tuple[str, list[Any]]:
        """The rule as a SQL condition over the candidate query (`i` items, `s` item_scores, `c` call_signals)."""
        parts: list[str] = []
        params: list[Any] = []
        if self.channels:
            parts.append(f"i.channel IN ({', '.join('?' for _ in self.channels)})")
            params += list(self.channels)
        if self.item_score_below is not None:
            parts.append("s.score < ?")
            params.append(self.item_score_below)
        if self.negative_on:
            marks = ", ".join("?" for _ in self.negative_on)
            parts.append(f"""EXISTS (SELECT 1 FROM codes k WHERE k.item_id = i.item_id AND k.is_current
                             AND k.sentiment = 'negative' AND k.score < ?
                             AND (k.dimension IN ({marks}) OR k.sub_dimension IN ({marks})))""")
            params += [self.code_score_below, *self.negative_on, *self.negative_on]
        if self.call_resolved is not None:
            parts.append("c.resolved = ?")
            params.append(self.call_resolved)
        if self.transfers_at_least is not None:
            parts.append("c.transfers >= ?")
            params.append(self.transfers_at_least)
        if self.repeat_complaints is not None:
            parts.append(f"""i.customer IS NOT NULL AND s.sentiment = 'negative' AND (
                SELECT count(*) FROM items j JOIN item_scores t ON t.item_id = j.item_id AND t.is_current
                WHERE j.customer = i.customer AND j.duplicate_of IS NULL AND t.sentiment = 'negative'
                  AND {occurred("j")} BETWEEN {OCCURRED} - ? * INTERVAL '1 day' AND {OCCURRED}) >= ?""")
            params += [window_days, self.repeat_complaints]
        if not parts:
            return "1 = 0", []
        return "(" + " AND ".join(parts) + ")", params


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


def _candidates(store: Store, rules: CaseRules, since: Any) -> pd.DataFrame:
    """Coded items (since `since`) without a case — for them or their near original — that a rule matches,
    one 0/1 column per rule."""
    flags, params = [], []
    for n, rule in enumerate(rules.rules):
        sql, p = rule.condition(rules.repeat_window_days)
        flags.append(f"CASE WHEN {sql} THEN 1 ELSE 0 END AS r{n}")
        params += p
    where, where_params = [], []
    if since is not None:
        where.append("s.coded_at >= ?")
        where_params.append(since)
    any_rule = " OR ".join(f"r{n} = 1" for n in range(len(rules.rules)))
    return store.query(f"""
        SELECT * FROM (
            SELECT i.item_id, i.channel, i.touchpoint, s.score AS item_score, s.model_version, s.coded_at,
                   {OCCURRED} AS occurred_at, {', '.join(flags)}
            FROM items i JOIN item_scores s ON s.item_id = i.item_id AND s.is_current
            LEFT JOIN call_signals c ON c.item_id = i.item_id
            WHERE i.duplicate_of IS NULL {''.join(f' AND {w}' for w in where)}
              AND NOT EXISTS (SELECT 1 FROM cases k WHERE k.item_id = i.item_id
                                                     OR k.item_id = i.near_duplicate_of)) matched
        WHERE {any_rule}
        ORDER BY item_id""", params + where_params)


def _evidence(store: Store, item_ids: Sequence[str]) -> dict[str, list[str]]:
    """item_id → its evidence clauses: the clauses of its negative codes, most negative first, else its
    most negative clauses, else its last clause (a call's last customer words)."""
    if not item_ids:
        return {}
    coded = store.fetchall("""SELECT item_id, evidence, min(score) AS score FROM codes
                              WHERE item_id = ANY(?) AND is_current AND sentiment = 'negative'
                              GROUP BY item_id, evidence ORDER BY item_id, score""", [list(item_ids)])
    clauses = store.fetchall("""SELECT item_id, text, score, idx FROM segments WHERE item_id = ANY(?)
                                ORDER BY item_id, score, idx""", [list(item_ids)])
    out: dict[str, list[str]] = {}
    for item_id, evidence, _ in coded:
        out.setdefault(item_id, []).append(evidence)
    last: dict[str, tuple[int, str]] = {}
    negative: dict[str, list[str]] = {}
    for item_id, text, score, idx in clauses:
        if score is not None and score < 0:
            negative.setdefault(item_id, []).append(text)
        if idx >= last.get(item_id, (-1, ""))[0]:
            last[item_id] = (idx, text)
    for item_id in item_ids:
        found = out.get(item_id) or negative.get(item_id) or ([last[item_id][1]] if item_id in last else [])
        out[item_id] = found[:EVIDENCE_CLAUSES]
    return out


def open_cases(store: Store, rules: CaseRules, touchpoints: TouchpointMap, all_items: bool = False) -> OpenedCases:
    """Open a case for every coded item a rule matches that has none yet; only items coded since the
    last pass unless `all_items` (after the rules changed). The highest severity among the rules that
    fired is the case's; a case at `escalate_at` or above also goes to the touchpoint's escalation."""
    since = None if all_items else store.scalar("SELECT value FROM store_config WHERE key = 'cases_coded_at'")
    mark = store.scalar("SELECT max(coded_at) FROM item_scores WHERE is_current")  # read before the candidates
    found = _candidates(store, rules, since)
    result = OpenedCases(considered=len(found))
    evidence = _evidence(store, list(found.item_id))
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
            columns = list(case)
            stored = store.fetchall(
                f"INSERT INTO cases ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)}) "
                "ON CONFLICT DO NOTHING RETURNING case_id", [_none(case[c]) for c in columns])
            if stored:  # a concurrent pass that opened it first leaves nothing to return: opened once
                result.cases.append(case)
        if mark is not None:
            store.execute("DELETE FROM store_config WHERE key = 'cases_coded_at'")
            store.execute("INSERT INTO store_config (key, value) VALUES ('cases_coded_at', ?)", [str(mark)])
    return result


def _none(value: Any) -> Any:
    """pandas' missing values (NaT, NaN) as None for the drivers."""
    return None if value is None or (not isinstance(value, (str, bool)) and pd.isna(value)) else value


# -- reading and walking cases ----------------------------------------------------------------
CASE_LIST_COLUMNS = ("case_id", "status", "severity", "channel", "touchpoint", "owner", "rules", "age_days",
                     "item_score")


def list_cases(store: Store, status: Sequence[str] = (), touchpoint: Sequence[str] = (), owner: Sequence[str] = (),
               severity: Sequence[str] = (), channel: Sequence[str] = (), limit: int | None = None) -> pd.DataFrame:
    """Cases (v_cases rows), most severe and oldest first, filtered by any of the given values."""
    where, params = ["1 = 1"], []
    for column, values in (("status", status), ("touchpoint", touchpoint), ("owner", owner),
                           ("severity", severity), ("channel", channel)):
        if values:
            where.append(f"{column} IN ({', '.join('?' for _ in values)})")
            params += list(values)
    sql = f"SELECT * FROM v_cases WHERE {' AND '.join(where)} ORDER BY severity_rank DESC, opened_at, case_id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return store.query(sql, params)


class CaseError(ValueError):
    """A case that does not exist, or a step its status does not allow."""


def get_case(store: Store, ref: str) -> dict[str, Any]:
    """The case whose id is `ref` or starts with it (unambiguously)."""
    rows = store.query("SELECT * FROM v_cases WHERE case_id = ? OR case_id LIKE ? ORDER BY case_id",
                       [ref, f"{ref}%"])
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


def acknowledge(store: Store, ref: str, by: str | None = None) -> dict[str, Any]:
    """open → acknowledged."""
    case = get_case(store, ref)
    if case["status"] != "open":
        raise CaseError(f"case {case['case_id']} is {case['status']}: only an open case is acknowledged")
    store.execute("UPDATE cases SET status = 'acknowledged', acknowledged_at = ?, acknowledged_by = ? "
                  "WHERE case_id = ? AND status = 'open'", [utcnow(), by, case["case_id"]])
    return get_case(store, case["case_id"])


def close(store: Store, ref: str, note: str, by: str | None = None) -> dict[str, Any]:
    """open or acknowledged → closed, with a closing note (an open case is acknowledged at the same time)."""
    if not note or not note.strip():
        raise CaseError("closing a case needs a note saying what was done")
    case = get_case(store, ref)
    if case["status"] == "closed":
        raise CaseError(f"case {case['case_id']} is already closed")
    now = utcnow()
    store.execute("""UPDATE cases SET status = 'closed', closed_at = ?, closed_by = ?, closing_note = ?,
                            acknowledged_at = COALESCE(acknowledged_at, ?), acknowledged_by = COALESCE(acknowledged_by, ?)
                     WHERE case_id = ? AND status <> 'closed'""",
                  [now, by, note.strip(), now, by, case["case_id"]])
    return get_case(store, case["case_id"])
