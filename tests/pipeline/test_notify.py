"""Notifying owners: one message per recipient per run, by e-mail to a real SMTP server on loopback
(aiosmtpd) and by webhook to a local HTTP server; never twice; a failed delivery is retried; no raw PII."""

import email
import json
import socket
import threading
from email import policy
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller

from pipeline.cases import open_cases
from pipeline.notify import NotifySettings, notify_owners
from pipeline.redact import pii_spans



def no_pii(text: str) -> bool:
    return not pii_spans(text) and "13812345678" not in text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler keeping every message it is given."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"


@pytest.fixture()
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, NotifySettings(smtp_host="127.0.0.1", smtp_port=controller.port, sender="voc@example.com")
    controller.stop()


def test_each_owner_is_mailed_once_with_their_cases_and_no_raw_pii(cased, smtp):
    store, rules, owners = cased
    inbox, settings = smtp
    opened = open_cases(store, rules, owners)
    deliveries = notify_owners(store, settings)
    assert all(d.ok for d in deliveries)
    recipients = sorted(r for rcpts, _ in inbox.messages for r in rcpts)
    # owners of the four cases, plus the escalation contacts of the high ones (the call queue's director)
    assert recipients == ["delivery@example.com", "director@example.com", "gyq@example.com", "jfb@example.com"]
    bodies = {rcpts[0]: m.get_content() for rcpts, m in inbox.messages}
    calls = [c["case_id"] for c in opened.cases if c["channel"] == "call"]
    assert all(ref in bodies["delivery@example.com"] for ref in calls) and "evidence: 「" in bodies["delivery@example.com"]
    assert "(escalated to you)" in bodies["director@example.com"]
    for rcpts, message in inbox.messages:
        assert no_pii(message.get_content()) and no_pii(message["Subject"])
    # a second run sends nothing: every case was delivered to every recipient
    assert notify_owners(store, settings) == [] and len(inbox.messages) == 4
    assert store.scalar("SELECT count(*) FROM case_notifications") == sum(d.cases for d in deliveries)


def test_acknowledged_cases_are_not_sent_and_failures_are_retried(cased, smtp):
    store, rules, owners = cased
    inbox, settings = smtp
    open_cases(store, rules, owners)
    down = NotifySettings(smtp_host="127.0.0.1", smtp_port=free_port(), timeout=2)  # nobody listens there
    failed = notify_owners(store, down)
    assert failed and not any(d.ok for d in failed) and all(d.error for d in failed)
    assert store.scalar("SELECT count(*) FROM case_notifications") == 0
    store.execute("UPDATE cases SET status = 'acknowledged' WHERE owner = 'jfb@example.com'")
    sent = notify_owners(store, settings)
    assert {d.recipient for d in sent} == {"delivery@example.com", "director@example.com", "gyq@example.com"}


class Hook(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802
        Hook.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_webhook_gets_one_post_per_recipient(cased):
    store, rules, owners = cased
    open_cases(store, rules, owners)
    Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings = NotifySettings(webhook=f"http://127.0.0.1:{server.server_port}/voc")
        assert all(d.ok for d in notify_owners(store, settings))
        assert notify_owners(store, settings) == []
    finally:
        server.shutdown()
    assert sorted(p["recipient"] for p in Hook.received) == ["delivery@example.com", "director@example.com",
                                                             "gyq@example.com", "jfb@example.com"]
    delivery = next(p for p in Hook.received if p["recipient"] == "delivery@example.com")
    assert {c["severity"] for c in delivery["cases"]} == {"high"} and all(c["evidence"] for c in delivery["cases"])
    assert no_pii(json.dumps(delivery["cases"], ensure_ascii=False))  # the recipient is the owner, not a customer


def test_an_owner_without_an_address_is_skipped_not_failed(cased, smtp):
    store, rules, owners = cased
    inbox, settings = smtp
    open_cases(store, rules, owners)
    store.execute("UPDATE cases SET owner = 'unassigned', escalated = false WHERE owner = 'gyq@example.com'")
    deliveries = {d.recipient: d for d in notify_owners(store, settings)}
    assert deliveries["unassigned"].skipped and not deliveries["unassigned"].ok
    assert all(d.ok for r, d in deliveries.items() if r != "unassigned")
    assert "unassigned" not in [r for rcpts, _ in inbox.messages for r in rcpts]
