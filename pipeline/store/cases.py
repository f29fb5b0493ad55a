"""Cases repository: which coded items the case rules match, their evidence, the cases (one per item)
and their walk, and what was delivered to whom (the logic is pipeline/cases.py and pipeline/notify.py)."""

from __future__ import annotations

from typing import Any, Sequence

import pandas as pd

from pipeline.aggregate import occurred
from pipeline.store.engine import Engine, utcnow

OCCURRED = occurred("i")


def rule_condition(rule: Any, window_days: int) -> tuple[str, list[Any]]:
    """A case rule (pipeline/cases.py `CaseRule`) as a SQL condition over the candidate query (`i` items,
    `s` item_scores, `c` call_signals); a rule naming no condition matches nothing."""
    parts: list[str] = []
    params: list[Any] = []
    if rule.channels:
        parts.append(f"i.channel IN ({', '.join('?' for _ in rule.channels)})")
        params += list(rule.channels)
    if rule.item_score_below is not None:
        parts.append("s.score < ?")
        params.append(rule.item_score_below)
    if rule.negative_on:
        marks = ", ".join("?" for _ in rule.negative_on)
        parts.append(f"""EXISTS (SELECT 1 FROM codes k WHERE k.item_id = i.item_id AND k.is_current
                         AND k.sentiment = 'negative' AND k.score < ?
                         AND (k.dimension IN ({marks}) OR k.sub_dimension IN ({marks})))""")
        params += [rule.code_score_below, *rule.negative_on, *rule.negative_on]
    if rule.call_resolved is not None:
        parts.append("c.resolved = ?")
        params.append(rule.call_resolved)
    if rule.transfers_at_least is not None:
        parts.append("c.transfers >= ?")
        params.append(rule.transfers_at_least)
    if rule.repeat_complaints is not None:
        parts.append(f"""i.customer IS NOT NULL AND s.sentiment = 'negative' AND (
            SELECT count(*) FROM items j JOIN item_scores t ON t.item_id = j.item_id AND t.is_current
            WHERE j.customer = i.customer AND j.duplicate_of IS NULL AND t.sentiment = 'negative'
              AND {occurred("j")} BETWEEN {OCCURRED} - ? * INTERVAL '1 day' AND {OCCURRED}) >= ?""")
        params += [window_days, rule.repeat_complaints]
    if not parts:
        return "1 = 0", []
    return "(" + " AND ".join(parts) + ")", params


def candidates(engine: Engine, rules: Sequence[Any], window_days: int, since: Any) -> pd.DataFrame:
    """Coded items (coded since `since`) without a case — for them or their near original — that a rule matches,
    one 0/1 column per rule."""
    flags, params = [], []
    for n, rule in enumerate(rules):
        sql, p = rule_condition(rule, window_days)
        flags.append(f"CASE WHEN {sql} THEN 1 ELSE 0 END AS r{n}")
        params += p
    where, where_params = [], []
    if since is not None:
        where.append("s.coded_at >= ?")
        where_params.append(since)
    any_rule = " OR ".join(f"r{n} = 1" for n in range(len(rules)))
    return engine.query(f"""
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


def evidence(engine: Engine, item_ids: Sequence[str], most: int) -> dict[str, list[str]]:
    """item_id → its evidence clauses: the clauses of its negative codes, most negative first, else its
    most negative clauses, else its last clause (a call's last customer words)."""
    if not item_ids:
        return {}
    coded = engine.fetchall("""SELECT item_id, evidence, min(score) AS score FROM codes
                              WHERE item_id = ANY(?) AND is_current AND sentiment = 'negative'
                              GROUP BY item_id, evidence ORDER BY item_id, score""", [list(item_ids)])
    clauses = engine.fetchall("""SELECT item_id, text, score, idx FROM segments WHERE item_id = ANY(?)
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
        out[item_id] = found[:most]
    return out


def _none(value: Any) -> Any:
    """pandas' missing values (NaT, NaN) as None for the drivers."""
    return None if value is None or (not isinstance(value, (str, bool)) and pd.isna(value)) else value


def insert(engine: Engine, case: dict[str, Any]) -> bool:
    """Store a case unless its item has one; whether this call stored it."""
    columns = list(case)
    return bool(engine.fetchall(
        f"INSERT INTO cases ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)}) "
        "ON CONFLICT DO NOTHING RETURNING case_id", [_none(case[c]) for c in columns]))


def listing(engine: Engine, filters: dict[str, Sequence[str]], limit: int | None = None) -> pd.DataFrame:
    """v_cases rows whose columns hold one of the given values, most severe and oldest first."""
    where, params = ["1 = 1"], []
    for column, values in filters.items():
        if values:
            where.append(f"{column} IN ({', '.join('?' for _ in values)})")
            params += list(values)
    sql = f"SELECT * FROM v_cases WHERE {' AND '.join(where)} ORDER BY severity_rank DESC, opened_at, case_id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return engine.query(sql, params)


def matching(engine: Engine, ref: str) -> pd.DataFrame:
    """v_cases rows whose id is `ref` or starts with it."""
    return engine.query("SELECT * FROM v_cases WHERE case_id = ? OR case_id LIKE ? ORDER BY case_id", [ref, f"{ref}%"])


def acknowledge(engine: Engine, case_id: str, by: str | None, when: Any) -> None:
    engine.execute("UPDATE cases SET status = 'acknowledged', acknowledged_at = ?, acknowledged_by = ? "
                   "WHERE case_id = ? AND status = 'open'", [when, by, case_id])


def close(engine: Engine, case_id: str, note: str, by: str | None, when: Any) -> None:
    """Closed with its note (acknowledged at the same time where it was still open)."""
    engine.execute("""UPDATE cases SET status = 'closed', closed_at = ?, closed_by = ?, closing_note = ?,
                             acknowledged_at = COALESCE(acknowledged_at, ?), acknowledged_by = COALESCE(acknowledged_by, ?)
                      WHERE case_id = ? AND status <> 'closed'""", [when, by, note, when, by, case_id])


def pending_notifications(engine: Engine, via: str) -> pd.DataFrame:
    """(recipient, case columns) of the open cases not yet delivered to that recipient by `via`: each case
    to its owner, an escalated one to the touchpoint's escalation contact as well."""
    return engine.query("""
        WITH recipients AS (
            SELECT case_id, owner AS recipient FROM cases WHERE status = 'open'
            UNION SELECT case_id, escalation FROM cases WHERE status = 'open' AND escalated AND escalation IS NOT NULL)
        SELECT r.recipient, k.case_id, k.channel, k.touchpoint, k.owner, k.severity, k.severity_rank, k.reason,
               k.evidence, k.item_score, k.occurred_at, k.opened_at, k.escalated
        FROM recipients r JOIN cases k ON k.case_id = r.case_id
        WHERE NOT EXISTS (SELECT 1 FROM case_notifications n
                          WHERE n.case_id = r.case_id AND n.recipient = r.recipient AND n.via = ?)
        ORDER BY r.recipient, k.severity_rank DESC, k.opened_at, k.case_id""", [via])


def record_delivery(engine: Engine, case_ids: Sequence[str], recipient: str, via: str) -> None:
    """Note that these cases reached `recipient` by `via` (once)."""
    now = utcnow()
    with engine.transaction():
        engine.insert("case_notifications", ["case_id", "recipient", "via", "sent_at"],
                      [{"case_id": c, "recipient": recipient, "via": via, "sent_at": now} for c in case_ids],
                      ignore_conflicts=True)
