"""Customer emails (.eml files, mbox files) → email `Item`s.

MIME multipart with text/plain preferred, else HTML turned into text; declared charsets (UTF-8,
GB2312, GBK, GB18030, Big5) with fallbacks for mislabelled ones; RFC 2047 subjects. Quoted replies,
forwarded history and signatures are cut so only the customer's new words are coded. Subject,
pseudonymised sender, date, message-id and thread headers go to `meta`; attachments are listed, not read.
"""

from __future__ import annotations

import email
import email.header
import email.utils
import re
from email.message import Message
from pathlib import Path
from typing import Iterator

from bs4 import BeautifulSoup

from pipeline.ingest.intake import build_item, file_quarantine
from pipeline.ingest.records import UnreadableFile, read_checked_bytes
from pipeline.items import Item, Quarantined, make_item_id
from pipeline.normalise import normalise_text
from pipeline.redact import pseudonymise
from pipeline.touchpoints import TouchpointMap

FALLBACK_CHARSETS = ("utf-8", "gb18030", "big5")
#: A line that starts quoted history: everything from it on is dropped.
QUOTE_STARTS = [re.compile(p) for p in (
    r"^-{2,}\s*(原始邮件|Original Message|转发的邮件|Forwarded message)\s*-{2,}",
    r"^\s*在.{0,80}写道[:：]\s*$",
    r"^\s*On .{0,120}wrote:\s*$",
    r"^\s*(发件人|From)\s*[:：]",
    r"^_{10,}\s*$",
)]
#: A line that starts a signature or a mobile footer.
SIGNATURE_STARTS = [re.compile(p) for p in (
    r"^--\s*$", r"^—{2,}\s*$", r"^发自我的", r"^Sent from my", r"^此致\s*$", r"^(Best|Kind) regards",
)]


def _decode(payload: bytes, declared: str | None) -> str:
    """Bytes as text; never raises. Valid UTF-8 wins whatever the label says (GB18030 decodes almost
    any bytes, so a UTF-8 body mislabelled GB2312 would otherwise turn to mojibake); then the declared
    charset (GB2312/GBK read as their superset GB18030); then the fallbacks."""
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        pass
    names = [declared.lower()] if declared else []
    names = ["gb18030" if n in ("gb2312", "gbk", "x-gbk") else n for n in names]
    for charset in [*names, *FALLBACK_CHARSETS]:
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("utf-8", errors="replace")


def _unescape(value: str | None) -> str | None:
    """A header parameter that arrived as raw 8-bit bytes (kept by the parser as surrogates), decoded."""
    if value is None or not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return _decode(value.encode("utf-8", "surrogateescape"), None)


def _header(msg: Message, name: str) -> str:
    """A header with its RFC 2047 encoded words decoded (unknown or wrong charsets fall back). Raw 8-bit
    header bytes (a UTF-8 or GBK subject sent without encoding) are decoded like a body, not as ASCII."""
    raw = msg.get(name)
    if raw is None:
        return ""
    if isinstance(raw, email.header.Header):  # the parser wraps 8-bit headers; their bytes survive as surrogates
        raw_bytes = None
        for key, value in msg._headers:  # noqa: SLF001 - the only place the raw value is kept
            if key.lower() == name.lower():
                raw_bytes = value.encode("ascii", "surrogateescape") if isinstance(value, str) else None
                break
        if raw_bytes is not None:
            raw = _decode(raw_bytes, None)
    parts = email.header.decode_header(str(raw))
    return "".join(p if isinstance(p, str) else _decode(p, c) for p, c in parts).strip()


def _html_to_text(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "head"]):
        tag.decompose()
    for quote in soup.find_all("blockquote"):
        quote.decompose()  # quoted history in HTML mail
    for block in soup.find_all(["br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"]):
        block.insert_after("\n")  # block elements end lines; inline ones (<b>, <span>) do not
    return soup.get_text()


def body_text(msg: Message) -> tuple[str, list[dict]]:
    """(text of the message body, attachments as metadata)."""
    plain: list[str] = []
    html: list[str] = []
    attachments: list[dict] = []
    parts = msg.walk() if msg.is_multipart() else [msg]
    for part in parts:
        if part.is_multipart():
            continue
        disposition = str(part.get("Content-Disposition") or "").lower()
        payload = part.get_payload(decode=True) or b""
        filename = _unescape(part.get_filename())
        if "attachment" in disposition or filename:
            attachments.append({"filename": filename, "content_type": part.get_content_type(),
                                "bytes": len(payload)})
            continue
        kind = part.get_content_type()
        if kind == "text/plain":
            plain.append(_decode(payload, part.get_content_charset()))
        elif kind == "text/html":
            html.append(_html_to_text(_decode(payload, part.get_content_charset())))
    return ("\n".join(plain) if plain else "\n".join(html)), attachments


def strip_quotes(text: str) -> str:
    """Only the new words: cut at quoted history or the signature; drop `>` lines."""
    kept = []
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if any(p.search(stripped) for p in QUOTE_STARTS) or any(p.search(stripped) for p in SIGNATURE_STARTS):
            break
        if stripped.startswith(">") or stripped.startswith("＞"):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def message_to_item(msg: Message, source: str, locator: str, touchpoints: TouchpointMap) -> Item | Quarantined:
    subject = _header(msg, "Subject")
    sender = email.utils.parseaddr(_header(msg, "From"))[1]
    mailbox_to = email.utils.parseaddr(_header(msg, "To"))[1] or None
    message_id = _header(msg, "Message-ID").strip() or None
    body, attachments = body_text(msg)
    payload = f"Subject: {subject}\n\n{body[:4000]}"
    date = None
    if _header(msg, "Date"):
        try:
            date = email.utils.parsedate_to_datetime(_header(msg, "Date"))  # aware: its own offset is kept
        except (TypeError, ValueError, OverflowError):
            date = None
    touchpoint, stage = touchpoints.resolve("email", source, mailbox_to, None, None)
    return build_item(
        "email", source, locator, strip_quotes(body), payload, what="body",
        identity=make_item_id("email", "message-id", message_id, "") if message_id else None,
        external_id=pseudonymise(message_id, "msg"), entity=mailbox_to, touchpoint=touchpoint,
        journey_stage=stage, created_at=date, company_touchpoint=True,
        empty="no text body (empty, only quoted history, or attachments only)",
        meta={"subject": normalise_text(subject), "sender": pseudonymise(sender, "sender"),
              "in_reply_to": pseudonymise(_header(msg, "In-Reply-To"), "msg"),
              "references": [pseudonymise(r, "msg") for r in _header(msg, "References").split()] or None,
              "attachments": attachments})


def looks_like_mbox(data: bytes) -> bool:
    return data.startswith(b"From ") and b"\n" in data[:200]


_HEADER_LINE = re.compile(rb"^[!-9;-~]+:[ \t]")


def split_mbox(data: bytes) -> list[bytes]:
    """The messages of an mbox file. A line starting "From " separates messages only where a message
    can start — at the top, or after a blank line and followed by a header line — so an unescaped
    "From " line inside a body (mboxo writers leave them) stays in that body."""
    lines = data.replace(b"\r\n", b"\n").split(b"\n")
    starts = [i for i, line in enumerate(lines)
              if line.startswith(b"From ") and (i == 0 or not lines[i - 1].strip())
              and i + 1 < len(lines) and _HEADER_LINE.match(lines[i + 1])]
    if not starts or starts[0] != 0:
        starts = [0, *starts]
    bounds = [*starts, len(lines)]
    return [b"\n".join(lines[a + 1:b]) for a, b in zip(bounds, bounds[1:])]


def read_emails(path: Path, source: str | None = None, touchpoints: TouchpointMap = TouchpointMap(),
                data: bytes | None = None) -> Iterator[Item | Quarantined]:
    """Every message of an .eml or mbox file as an Item or a Quarantined; never raises for bad data."""
    source = source or path.name
    try:
        data = read_checked_bytes(path, "an email", data)
    except UnreadableFile as exc:
        yield file_quarantine("email", source, path, str(exc), data)
        return
    if looks_like_mbox(data):
        for n, raw in enumerate(split_mbox(data), start=1):
            msg = email.message_from_bytes(raw)
            if not msg.keys():
                yield Quarantined("email", source, f"message {n}", "no email headers", raw[:2000])
                continue
            yield message_to_item(msg, source, f"message {n}", touchpoints)
        return
    msg = email.message_from_bytes(data)
    if not msg.keys():
        yield file_quarantine("email", source, path, "no email headers", data)
        return
    yield message_to_item(msg, source, "file", touchpoints)
