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
import mailbox
import re
from email.message import Message
from pathlib import Path
from typing import Iterator

from bs4 import BeautifulSoup

from pipeline.ingest.records import MAX_TEXT_CHARS, UnreadableFile, read_checked_bytes
from pipeline.items import Item, Quarantined, make_item_id, stable_hash
from pipeline.normalise import detect_language, normalise_text
from pipeline.redact import pseudonymise, redact
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


def _header(msg: Message, name: str) -> str:
    """A header with its RFC 2047 encoded words decoded (unknown or wrong charsets fall back)."""
    raw = msg.get(name)
    if raw is None:
        return ""
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
        disposition = (part.get("Content-Disposition") or "").lower()
        payload = part.get_payload(decode=True) or b""
        if "attachment" in disposition or part.get_filename():
            attachments.append({"filename": part.get_filename(), "content_type": part.get_content_type(),
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
    new_words = redact(strip_quotes(body))
    payload = redact(f"Subject: {subject}\n\n{body[:4000]}")

    def bad(reason: str) -> Quarantined:
        return Quarantined("email", source, locator, reason, payload)

    if len(new_words) > MAX_TEXT_CHARS:
        return bad(f"body is {len(new_words)} characters, over the {MAX_TEXT_CHARS} limit")
    text = normalise_text(new_words)
    if not text:
        return bad("no text body (empty, only quoted history, or attachments only)")
    date = None
    if _header(msg, "Date"):
        try:
            date = email.utils.parsedate_to_datetime(_header(msg, "Date"))
            date = date.astimezone(tz=None).replace(tzinfo=None) if date.tzinfo else date
        except (TypeError, ValueError):
            date = None
    touchpoint, stage = touchpoints.resolve("email", source, mailbox_to, None, None)
    return Item(
        item_id=make_item_id("email", "message-id", message_id, text) if message_id
        else make_item_id("email", source, None, text),
        channel="email", source=source, locator=locator, text=text, raw_text=new_words,
        language=detect_language(text), content_hash=stable_hash(text), external_id=message_id,
        entity=mailbox_to, touchpoint=touchpoint, journey_stage=stage, created_at=date,
        meta={"subject": redact(normalise_text(subject)), "sender": pseudonymise(sender, "sender"),
              "in_reply_to": _header(msg, "In-Reply-To").strip() or None,
              "references": _header(msg, "References").split() or None, "attachments": attachments},
    )


def looks_like_mbox(data: bytes) -> bool:
    return data.startswith(b"From ") and b"\n" in data[:200]


def read_emails(path: Path, source: str | None = None, touchpoints: TouchpointMap = TouchpointMap()) -> Iterator[Item | Quarantined]:
    """Every message of an .eml or mbox file as an Item or a Quarantined; never raises for bad data."""
    source = source or path.name
    try:
        data = read_checked_bytes(path, "an email")
    except UnreadableFile as exc:
        yield Quarantined("email", source, "file", f"{path}: {exc}", path.read_bytes()[:200].decode("utf-8", "replace"))
        return
    if looks_like_mbox(data):
        for n, msg in enumerate(mailbox.mbox(str(path), create=False), start=1):
            yield message_to_item(msg, source, f"message {n}", touchpoints)
        return
    msg = email.message_from_bytes(data)
    if not msg.keys():
        yield Quarantined("email", source, "file", f"{path}: no email headers", redact(data[:2000].decode("utf-8", "replace")))
        return
    yield message_to_item(msg, source, "file", touchpoints)
