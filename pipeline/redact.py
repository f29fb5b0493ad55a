"""PII redaction before storage: masked spans keep a placeholder, so the Chinese around them reads on.

- mainland mobile numbers (1[3-9]x, 11 digits; +86/0086, `tel`/`电话:` prefixes and separators allowed) → [手机号]
- landlines (0area-number, 10–12 digits with area code)                          → [电话]
- resident ID numbers: 18 digits (birth date and checksum validated) and the old
  15-digit form (birth date validated), spaces or hyphens between the groups       → [身份证号]
- bank card numbers, 16–19 digits, Luhn validated                                 → [银行卡号]
- email addresses, Chinese local parts and spaces around `@` included             → [邮箱]

Detection runs on a *folded* view of the text — NFKC (full-width digits and `＠` become ASCII), format
characters (zero-width, soft hyphen) removed, every kind of space as one space, every dash as `-` —
and the spans found are mapped back, so the masking applies to the text as given (raw or normalised).
Digit runs that fail their checksum (order numbers, tracking codes) are left alone.
Customer identifiers are pseudonymised with a salted hash (`pseudonymise`), so one customer's items link.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import Any, Iterator

PLACEHOLDERS = {"mobile": "[手机号]", "landline": "[电话]", "id_card": "[身份证号]", "bank_card": "[银行卡号]",
                "email": "[邮箱]"}

_DASHES = set("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d\ufe63\ufe58\u30fc")
_SEP = r"[ .\-]{0,2}"  # between digit groups: spaces, dots, hyphens (after folding)
#: An email is found from its `@`: a local part of up to 64 word characters (Chinese ones included)
#: to the left, a domain to the right, up to two spaces on each side of the `@`.
_LOCAL_CHAR = re.compile(r"[\w%+\-.]")
_DOMAIN = re.compile(r" {0,2}[A-Za-z0-9\-]+(?: {0,2}\. {0,2}[A-Za-z0-9\-]+)* {0,2}\. {0,2}[A-Za-z]{2,}")
_ID_CARD = re.compile(rf"(?<!\d)\d(?:{_SEP}\d){{16}}{_SEP}[\dXx](?![\dXx])")
_OLD_ID_CARD = re.compile(rf"(?<!\d)\d(?:{_SEP}\d){{14}}(?!{_SEP}\d)")
_CARD = re.compile(rf"(?<!\d)\d(?:{_SEP}\d){{15,18}}(?!\d)")
_MOBILE = re.compile(rf"(?<!\d)(?:(?:\+|00)?86{_SEP})?1[3-9]\d(?:{_SEP}\d){{8}}(?![\dA-Za-z])")
_LANDLINE = re.compile(rf"(?<!\d)(?:\(0\d{{2,3}}\)|0\d{{2,3}}){_SEP}\d{{3,4}}{_SEP}\d{{4}}(?!\d)")
#: Nothing can be PII without seven digits or an at sign: the quick test that skips most texts.
_CANDIDATE = re.compile(r"(?:\d\D{0,3}){7}|[@＠﹫]")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
#: Province codes that open a resident ID number.
_PROVINCES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51,
              52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}


def _digits(text: str) -> str:
    return re.sub(r"[^\dXx]", "", text)


def _valid_birth(year: int, month: int, day: int) -> bool:
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    return 1900 <= born.year <= date.today().year


def valid_id_card(number: str) -> bool:
    """An 18-character resident ID number: a province code, a real birth date, GB 11643 checksum."""
    number = _digits(number)
    if not re.fullmatch(r"\d{17}[\dXx]", number) or int(number[:2]) not in _PROVINCES:
        return False
    if not _valid_birth(int(number[6:10]), int(number[10:12]), int(number[12:14])):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == number[17].upper()


def valid_old_id_card(number: str) -> bool:
    """A 15-digit (first-generation) resident ID number: a province code and a real 19YYMMDD birth date."""
    number = _digits(number)
    return (len(number) == 15 and int(number[:2]) in _PROVINCES
            and _valid_birth(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12])))


def valid_luhn(number: str) -> bool:
    digits = [int(d) for d in re.sub(r"\D", "", number)]
    if not 16 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def fold(text: str) -> tuple[str, list[int]]:
    """The text as PII detection sees it, with each folded character's index in the original."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ch.isascii():
            folded = " " if ch == "\t" else ch
        elif ch in _DASHES:
            folded = "-"
        elif unicodedata.category(ch) == "Cf":
            continue  # zero-width characters, soft hyphens, BOMs, direction marks
        elif ch.isspace():
            folded = "\n" if ch in "\u2028\u2029\x85" else " "
        else:
            folded = unicodedata.normalize("NFKC", ch)
        out.append(folded)
        index.extend([i] * len(folded))
    return "".join(out), index


def _email_spans(folded: str) -> list[tuple[int, int]]:
    """Email addresses around each `@` (linear in the text: no pattern scans a long run of Han)."""
    spans = []
    for at in (i for i, ch in enumerate(folded) if ch == "@"):
        domain = _DOMAIN.match(folded, at + 1)
        if not domain:
            continue
        end_local = at
        while end_local > 0 and at - end_local < 2 and folded[end_local - 1] == " ":
            end_local -= 1
        start = end_local
        while start > 0 and end_local - start < 64 and _LOCAL_CHAR.match(folded[start - 1]):
            start -= 1
        while start < end_local and folded[start] == ".":
            start += 1
        if start < end_local:
            spans.append((start, domain.end()))
    return spans


_RULES: tuple[tuple[str, re.Pattern, Any], ...] = (
    ("id_card", _ID_CARD, valid_id_card),
    ("bank_card", _CARD, valid_luhn),
    ("mobile", _MOBILE, None),
    ("id_card", _OLD_ID_CARD, valid_old_id_card),
    ("landline", _LANDLINE, None),
)


def pii_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every PII span in `text`, in the text's own offsets, not overlapping."""
    if not text or not _CANDIDATE.search(text):
        return []
    folded, index = fold(text)
    taken: list[tuple[int, int, str]] = [(s, e, "email") for s, e in _email_spans(folded)] if "@" in folded else []
    for kind, pattern, check in _RULES:
        for match in pattern.finditer(folded):
            start, end = match.span()
            while end > start and folded[end - 1] == " ":
                end -= 1
            if any(start < e and s < end for s, e, _ in taken):
                continue
            if check is None or check(match.group()):
                taken.append((start, end, kind))
    return sorted((index[s], index[e - 1] + 1, kind) for s, e, kind in taken)


def redact(text: str) -> str:
    """Mask every PII kind in `text` (checksum-validated for ID and bank card numbers)."""
    spans = pii_spans(text)
    for start, end, kind in reversed(spans):
        text = text[:start] + PLACEHOLDERS[kind] + text[end:]
    return text


#: Metadata nested deeper than this is kept as one redacted JSON string (no recursion limit to hit).
MAX_META_DEPTH = 32


def redact_value(value: Any, depth: int = 0) -> Any:
    """Redact a metadata value of any shape: strings, numbers that hold PII, nested lists and dicts."""
    if depth > MAX_META_DEPTH and isinstance(value, (dict, list, tuple, set)):
        try:
            return redact(json.dumps(value, ensure_ascii=False, default=str))
        except (RecursionError, ValueError):
            return "[metadata nested too deeply to keep]"
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, (int, float)):
        text = str(value)
        masked = redact(text)
        return value if masked == text else masked
    if isinstance(value, dict):
        return {redact(str(k)): redact_value(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [redact_value(v, depth + 1) for v in value]
    if hasattr(value, "isoformat"):
        return value
    return redact(str(value))


#: The salt of a store's installation while its files are ingested (see `using_salt`).
_SALT: ContextVar[str | None] = ContextVar("voc_pii_salt", default=None)
#: Only for readers used without a store (and stores from before per-installation salts).
LEGACY_SALT = "voc-local-salt"


@contextmanager
def using_salt(value: str) -> Iterator[None]:
    """Pseudonymise with `value` inside the block (ingest sets its store's salt)."""
    token = _SALT.set(value)
    try:
        yield
    finally:
        _SALT.reset(token)


def salt() -> str:
    """The pseudonymisation salt: VOC_PII_SALT when set, else the store's own (generated when the store
    was created and kept in its `store_config`), else the legacy fixed one (readers used on their own)."""
    return os.environ.get("VOC_PII_SALT") or _SALT.get() or LEGACY_SALT


def pseudonymise(identifier: str | None, kind: str = "customer") -> str | None:
    """A stable, salted, non-reversible stand-in for a customer / sender identifier."""
    if not identifier:
        return None
    digest = hashlib.sha256(f"{salt()}\x1f{identifier.strip().lower()}".encode("utf-8")).hexdigest()
    return f"{kind}:{digest[:16]}"
