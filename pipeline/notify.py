"""Telling owners about their new cases: one message per recipient per run, by e-mail (an SMTP server
the user configures) and/or a webhook (JSON POST). A message holds the cases' ids, touchpoints,
severities, reasons and evidence clauses — item text is redacted at intake and redacted again here,
so no raw personal data leaves — and a case is never sent twice to the same recipient by the same way:
each delivery is recorded in `case_notifications` once it succeeded, and a failed one is retried by
the next run.
"""

from __future__ import annotations

import json
import smtplib
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Callable

import pandas as pd

from pipeline.redact import redact
from pipeline.store import Engine
from pipeline.store import cases as cases_repo


@dataclass(frozen=True)
class NotifySettings:
    """Where notifications go. `smtp_host` unset: no e-mail; `webhook` unset: no webhook."""

    smtp_host: str | None = None
    smtp_port: int = 25
    sender: str = "voc-pipeline@localhost"
    starttls: bool = False
    user: str | None = None
    password: str | None = None
    webhook: str | None = None
    timeout: float = 30.0

    @property
    def ways(self) -> list[str]:
        return [way for way, on in (("email", self.smtp_host), ("webhook", self.webhook)) if on]


@dataclass(frozen=True)
class Delivery:
    recipient: str
    via: str
    cases: int
    ok: bool
    error: str = ""
    skipped: bool = False  # nobody to send to by this way (an owner with no e-mail address): see `voc cases list`


def pending(store: Engine, via: str) -> dict[str, pd.DataFrame]:
    """recipient → the open cases not yet sent to them by `via`: each case to its owner, and an escalated
    one to the touchpoint's escalation contact as well."""
    frame = cases_repo.pending_notifications(store, via)
    return {recipient: group for recipient, group in frame.groupby("recipient", sort=True)}


def _case_entries(cases: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for case in cases.to_dict("records"):
        out.append({
            "case_id": case["case_id"], "severity": case["severity"], "channel": case["channel"],
            "touchpoint": redact(str(case["touchpoint"] or "")), "reason": redact(case["reason"]),
            "evidence": [redact(clause) for clause in json.loads(case["evidence"] or "[]")],
            "item_score": None if pd.isna(case["item_score"]) else round(float(case["item_score"]), 3),
            "occurred_at": None if pd.isna(case["occurred_at"]) else str(case["occurred_at"]),
            "escalated": bool(case["escalated"]) and case["recipient"] != case["owner"],
        })
    return out


def compose(recipient: str, cases: pd.DataFrame) -> tuple[str, str]:
    """(subject, plain-text body) of one recipient's message."""
    entries = _case_entries(cases)
    severe = sum(1 for e in entries if e["severity"] in ("high", "critical"))
    subject = f"[VoC] {len(entries)} 个新工单 new case(s)" + (f", {severe} 个高优先级 high" if severe else "")
    lines = [f"{len(entries)} new case(s) need attention. "
             "Acknowledge: `voc cases ack ID`; close: `voc cases close ID --note ...`.", ""]
    for e in entries:
        lines.append(f"- {e['case_id']} [{e['severity']}] {e['channel']} · {e['touchpoint']}"
                     + (" (escalated to you)" if e["escalated"] else ""))
        lines.append(f"  reason: {e['reason']}")
        if e["occurred_at"]:
            lines.append(f"  when: {e['occurred_at']}; item sentiment {e['item_score']}")
        lines += [f"  evidence: 「{clause}」" for clause in e["evidence"]]
        lines.append("")
    return subject, "\n".join(lines)


def send_email(settings: NotifySettings, recipient: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.sender, recipient, subject
    message.set_content(body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout) as smtp:
        if settings.starttls:
            smtp.starttls()
        if settings.user:
            smtp.login(settings.user, settings.password or "")
        smtp.send_message(message)


def post_webhook(settings: NotifySettings, recipient: str, subject: str, cases: pd.DataFrame) -> None:
    payload = json.dumps({"recipient": recipient, "subject": subject, "cases": _case_entries(cases)},
                         ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(settings.webhook, data=payload, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    with urllib.request.urlopen(request, timeout=settings.timeout) as response:
        if response.status >= 300:
            raise RuntimeError(f"webhook answered HTTP {response.status}")


def notify_owners(store: Engine, settings: NotifySettings) -> list[Delivery]:
    """Send each recipient one message with all their open cases not yet sent to them (per way), and
    record what was delivered. A failed delivery is reported and left for the next run."""
    senders: dict[str, Callable[[str, str, str, pd.DataFrame], None]] = {
        "email": lambda r, s, body, c: send_email(settings, r, s, body),
        "webhook": lambda r, s, body, c: post_webhook(settings, r, s, c),
    }
    deliveries = []
    for via in settings.ways:
        for recipient, cases in pending(store, via).items():
            subject, body = compose(recipient, cases)
            if via == "email" and "@" not in recipient:
                deliveries.append(Delivery(recipient, via, len(cases), False, f"owner {recipient!r} has no e-mail "
                                           "address (give the touchpoint an owner in the touchpoint file)", True))
                continue
            try:
                senders[via](recipient, subject, body, cases)
            except (OSError, smtplib.SMTPException, RuntimeError) as exc:
                deliveries.append(Delivery(recipient, via, len(cases), False, redact(str(exc))))
                continue
            cases_repo.record_delivery(store, list(cases.case_id), recipient, via)
            deliveries.append(Delivery(recipient, via, len(cases), True))
    return deliveries
