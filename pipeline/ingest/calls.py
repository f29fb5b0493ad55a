"""Call-centre transcripts (ASR output) → call `Item`s.

Accepts JSON / JSONL (one call per object; vendors' field names vary, see the alias tables) and
plain-text dialogues (one turn per line: `客服：…`, `[00:01:02] 客户: …`, `A: …`; `# key: value`
header lines carry metadata). Roles come from the speaker labels where they say so, else they are
inferred (greeting formulas, verification requests: the agent's). Dimensions and sentiment are coded
from the customer's turns only: the item text is the customer's turns, one per line, and
`meta.turns` maps each back to its place in the call. The agent's turns give process signals.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import yaml

from pipeline.ingest.intake import build_item, clean_text, file_quarantine
from pipeline.ingest.records import (UnreadableFile, decode_bytes, json_elements, parse_datetime, parse_json,
                                     read_checked_bytes, split_lines)
from pipeline.items import Item, Quarantined
from pipeline.normalise import normalise_text
from pipeline.paths import LEXICON_DIR
from pipeline.redact import pseudonymise
from pipeline.touchpoints import TouchpointMap

ROLE_ALIASES = {
    "agent": "agent", "客服": "agent", "坐席": "agent", "service": "agent", "staff": "agent", "operator": "agent",
    "customer": "customer", "客户": "customer", "用户": "customer", "user": "customer", "caller": "customer",
    "client": "customer", "顾客": "customer",
}
CALL_FIELDS = {
    "call_id": ("call_id", "callId", "id", "call", "通话编号"),
    "started_at": ("started_at", "start_time", "startTime", "begin_time", "created_at", "时间"),
    "queue": ("queue", "line", "skill_group", "hotline", "队列", "热线"),
    "agent_id": ("agent_id", "agentId", "staff_id", "工号"),
    "customer_id": ("customer_id", "customerId", "caller", "caller_number", "phone", "客户编号"),
    "turns": ("turns", "utterances", "segments", "dialogue", "sentences", "transcript"),
}
TURN_FIELDS = {
    "speaker": ("role", "speaker", "spk", "channel", "说话人"),
    "text": ("text", "content", "onebest", "utterance", "transcript", "文本"),
    "start": ("start", "begin", "bg", "start_time", "begin_ms", "start_ms"),
    "end": ("end", "ed", "end_time", "end_ms", "stop"),
}
#: Turn time fields that vendors give in milliseconds (iFlytek-style bg/ed among them).
MILLISECOND_FIELDS = {"begin_ms", "start_ms", "end_ms", "bg", "ed"}
#: Cue phrases (agent formulas, transfers, holds, identity checks, resolution): language data.
SIGNALS = {k: tuple(v) for k, v in yaml.safe_load((LEXICON_DIR / "call_signals.yaml").read_text(encoding="utf-8")).items()}
AGENT_CUES, TRANSFER_CUES, HOLD_CUES, VERIFY_CUES = (SIGNALS[k] for k in ("agent", "transfer", "hold", "verify"))
RESOLVED_CUES, UNRESOLVED_CUES = SIGNALS["resolved"], SIGNALS["unresolved"]
#: ASR fillers, removed as tokens: 嗯/啊/呃 never start a word; 额 (额外, 额度) and 那个 (那个菜) only
#: count as fillers when a pause (punctuation, space, end) follows them.
FILLERS = re.compile(r"(^|(?<=[,。!?\s]))(?:嗯+|啊+|呃+|(?:额+|那个|就是说)(?=[,。!?\s]|$))[,。\s]*")
_TEXT_TURN = re.compile(r"^\s*(?:\[(?P<ts>[\d:.]+)\]\s*)?(?P<speaker>[^:：\s\[\]]{1,8})\s*[:：]\s*(?P<text>.+)$")


@dataclass
class Turn:
    speaker: str
    text: str
    start: float | None = None
    end: float | None = None
    role: str | None = None


@dataclass
class Call:
    turns: list[Turn]
    fields: dict[str, Any] = field(default_factory=dict)
    role_confidence: float = 1.0


def _first(record: dict[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        if name in record and record[name] not in (None, ""):
            return record[name]
    return None


def _seconds(value: Any, name: str | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, str) and ":" in value:
        parts = [float(p) for p in value.split(":")]
        return sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    number = float(value)
    return number / 1000 if name in MILLISECOND_FIELDS else number


def call_from_json(record: dict[str, Any]) -> Call:
    turns_raw = _first(record, CALL_FIELDS["turns"])
    if not isinstance(turns_raw, list):
        raise ValueError("no list of turns (looked for " + ", ".join(CALL_FIELDS["turns"]) + ")")
    turns = []
    for n, raw in enumerate(turns_raw, start=1):
        if not isinstance(raw, dict):
            raise ValueError(f"turn {n} is a {type(raw).__name__}, not an object")
        text = _first(raw, TURN_FIELDS["text"])
        speaker = _first(raw, TURN_FIELDS["speaker"])
        start_name = next((k for k in TURN_FIELDS["start"] if k in raw), None)
        end_name = next((k for k in TURN_FIELDS["end"] if k in raw), None)
        turns.append(Turn(str(speaker if speaker is not None else "?"), str(text or ""),
                          _seconds(raw.get(start_name), start_name), _seconds(raw.get(end_name), end_name)))
    fields = {k: _first(record, v) for k, v in CALL_FIELDS.items() if k != "turns"}
    return Call(turns, fields)


def call_from_text(text: str, name: str) -> Call:
    fields: dict[str, Any] = {"call_id": name}
    turns: list[Turn] = []
    for line in split_lines(text):
        if not line.strip():
            continue
        if line.lstrip().startswith("#"):
            key, _, value = line.lstrip("# ").partition(":")
            fields[key.strip()] = value.strip()
            continue
        match = _TEXT_TURN.match(line)
        if match:
            turns.append(Turn(match["speaker"], match["text"], _seconds(match["ts"], None)))
        elif turns:
            turns[-1].text += line.strip()  # a wrapped line continues the turn
    return Call(turns, fields)


def assign_roles(call: Call) -> None:
    """Map speaker labels to agent/customer; infer when the labels do not say (A/B, 0/1, spk1…)."""
    speakers = list(dict.fromkeys(t.speaker for t in call.turns))
    known = {s: ROLE_ALIASES.get(s.strip().lower()) for s in speakers}
    if all(known.values()):
        for t in call.turns:
            t.role = known[t.speaker]
        call.role_confidence = 1.0
        return
    cues = {s: sum(cue in normalise_text(t.text) for t in call.turns if t.speaker == s for cue in AGENT_CUES)
            for s in speakers}
    ranked = sorted(speakers, key=lambda s: (-cues[s], speakers.index(s)))
    agent = ranked[0]
    top, second = cues[agent], (cues[ranked[1]] if len(ranked) > 1 else 0)
    # no cue at all: the first speaker greets, by call-centre convention, at coin-flip-plus confidence
    call.role_confidence = round(0.5 + 0.5 * (top - second) / (top + second + 1), 3) if top else 0.5
    for t in call.turns:
        t.role = "agent" if t.speaker == agent else "customer"


def _clean(text: str) -> str:
    return FILLERS.sub("", clean_text(text)[1]).strip()


def process_signals(call: Call) -> dict[str, Any]:
    agent = [normalise_text(t.text) for t in call.turns if t.role == "agent"]
    customer = [normalise_text(t.text) for t in call.turns if t.role == "customer"]
    starts = [t.start for t in call.turns if t.start is not None]
    ends = [t.end if t.end is not None else t.start for t in call.turns if (t.end or t.start) is not None]
    last = customer[-1] if customer else ""
    resolved = None
    if any(c in last for c in UNRESOLVED_CUES):
        resolved = False
    elif any(c in last for c in RESOLVED_CUES):
        resolved = True
    return {
        "turns": len(call.turns), "customer_turns": len(customer), "agent_turns": len(agent),
        "duration_s": round(max(ends) - min(starts), 1) if starts and ends else None,
        "transfers": sum(any(c in t for c in TRANSFER_CUES) for t in agent),
        "holds": sum(any(c in t for c in HOLD_CUES) for t in agent),
        "identity_checks": sum(any(c in t for c in VERIFY_CUES) for t in agent),
        "resolved": resolved, "role_confidence": call.role_confidence,
    }


def call_to_item(call: Call, source: str, locator: str, touchpoints: TouchpointMap) -> Item | Quarantined:
    payload = json.dumps({"fields": call.fields, "turns": [t.__dict__ for t in call.turns]},
                         ensure_ascii=False, default=str)

    def bad(reason: str) -> Quarantined:
        return Quarantined("call", source, locator, reason, payload)

    if not call.turns:
        return bad("no dialogue turns")
    assign_roles(call)
    cleaned = [_clean(turn.text) for turn in call.turns]
    lines, turns_meta, offset = [], [], 0
    for index, (turn, text) in enumerate(zip(call.turns, cleaned)):
        if turn.role != "customer" or not text:
            continue
        text = text.replace("\n", " ")
        lines.append(text)
        turns_meta.append({"turn": index, "start": turn.start, "end": turn.end, "offset": [offset, offset + len(text)]})
        offset += len(text) + 1
    if not lines:
        return bad("no customer turn with text (nothing to code)")
    fields = call.fields
    created_at = None
    if fields.get("started_at"):
        try:
            created_at = parse_datetime(fields["started_at"])
        except (ValueError, TypeError, OverflowError) as exc:
            return bad(f"bad started_at {fields['started_at']!r}: {exc}")
    queue = str(fields["queue"]) if fields.get("queue") else None
    touchpoint, stage = touchpoints.resolve("call", source, queue, None, None)
    item = build_item(
        "call", source, locator, "\n".join(lines), payload, what="customer text", external_id=fields.get("call_id"),
        entity=queue, touchpoint=touchpoint, journey_stage=stage, created_at=created_at,
        meta={"customer": pseudonymise(str(fields["customer_id"])) if fields.get("customer_id") else None,
              "agent_id": fields.get("agent_id"), "turns": turns_meta, "call": process_signals(call)})
    if isinstance(item, Item):
        item.raw_text = "\n".join(f"{t.role}: {text}" for t, text in zip(call.turns, cleaned))
    return item


def read_calls(path: Path, source: str | None = None, touchpoints: TouchpointMap = TouchpointMap(),
               data: bytes | None = None) -> Iterator[Item | Quarantined]:
    """Every call in a transcript file as an Item or a Quarantined; never raises for bad data."""
    source = source or path.name
    try:
        text = decode_bytes(read_checked_bytes(path, "a transcript", data))
    except UnreadableFile as exc:
        yield file_quarantine("call", source, path, str(exc), data)
        return
    suffix = path.suffix.lower()
    if suffix in (".json", ".jsonl", ".ndjson"):
        yield from _read_json_calls(path, text, suffix, source, touchpoints)
    else:
        yield call_to_item(call_from_text(text, path.stem), source, "file", touchpoints)


def _json_entries(path: Path, text: str, suffix: str) -> Iterator[tuple[str, Any] | Quarantined]:
    if suffix == ".json":
        try:
            for entry in json_elements(text):
                yield entry if isinstance(entry, Quarantined) else (entry[0].replace("element", "call"), entry[1])
        except UnreadableFile as exc:
            yield file_quarantine("call", "", path, f"{exc} (truncated?)", text[:2000].encode("utf-8"))
        return
    for n, line in enumerate(split_lines(text), start=1):
        if not line.strip():
            continue
        try:
            yield f"line {n}", parse_json(line)
        except json.JSONDecodeError as exc:
            yield Quarantined("call", "", f"line {n}", f"invalid JSON: {exc.msg}", line)


def _read_json_calls(path: Path, text: str, suffix: str, source: str, touchpoints: TouchpointMap) -> Iterator[Item | Quarantined]:
    for entry in _json_entries(path, text, suffix):
        if isinstance(entry, Quarantined):
            entry.channel, entry.source = "call", source
            yield entry
            continue
        locator, record = entry
        if not isinstance(record, dict):
            yield Quarantined("call", source, locator, f"JSON value is a {type(record).__name__}, not a call object",
                              json.dumps(record, ensure_ascii=False))
            continue
        try:
            call = call_from_json(record)
        except (ValueError, TypeError) as exc:
            yield Quarantined("call", source, locator, str(exc), json.dumps(record, ensure_ascii=False))
            continue
        yield call_to_item(call, source, locator, touchpoints)
