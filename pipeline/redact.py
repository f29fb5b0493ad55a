"""PII redaction before storage: masked spans keep a placeholder, so the Chinese around them reads on.

- mainland mobile numbers (1[3-9]x, 11 digits, optional +86 and separators)   → [手机号]
- landlines (0area-number, 10–12 digits with area code)                       → [电话]
- 18-digit resident ID numbers, birth date and checksum validated                   → [身份证号]
- bank card numbers, 16–19 digits, Luhn validated                              → [银行卡号]
- email addresses                                                              → [邮箱]
Digit runs that fail their checksum (order numbers, tracking codes) are left alone.
Customer identifiers are pseudonymised with a salted hash (`pseudonymise`), so one customer's items link.
"""

from __future__ import annotations

import hashlib
import os
import re
from datetime import date

PLACEHOLDERS = {"mobile": "[手机号]", "landline": "[电话]", "id_card": "[身份证号]", "bank_card": "[银行卡号]",
                "email": "[邮箱]"}

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# digit runs not glued to other digits or Latin letters (a masked span must be the whole number)
_ID_CARD = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_CARD = re.compile(r"(?<![0-9A-Za-z])(?:\d[ -]?){15,18}\d(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![0-9A-Za-z])")
_LANDLINE = re.compile(r"(?<![0-9A-Za-z])(?:\(0\d{2,3}\)|0\d{2,3})[ -]?\d{7,8}(?![0-9A-Za-z])")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def valid_id_card(number: str) -> bool:
    """An 18-character resident ID number: region prefix 1–8, a real birth date, GB 11643 checksum."""
    if not re.fullmatch(r"[1-8]\d{16}[\dXx]", number):
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if not 1900 <= born.year <= date.today().year:
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == number[17].upper()


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


def redact(text: str) -> str:
    """Mask every PII kind in `text` (checksum-validated for ID and bank card numbers)."""
    if not text:
        return text
    text = _EMAIL.sub(PLACEHOLDERS["email"], text)
    text = _ID_CARD.sub(lambda m: PLACEHOLDERS["id_card"] if valid_id_card(m.group()) else m.group(), text)
    text = _CARD.sub(lambda m: PLACEHOLDERS["bank_card"] if valid_luhn(m.group()) else m.group(), text)
    text = _MOBILE.sub(PLACEHOLDERS["mobile"], text)
    text = _LANDLINE.sub(PLACEHOLDERS["landline"], text)
    return text


def salt() -> str:
    """The pseudonymisation salt: VOC_PII_SALT, set per deployment (a fixed default for local use)."""
    return os.environ.get("VOC_PII_SALT", "voc-local-salt")


def pseudonymise(identifier: str | None, kind: str = "customer") -> str | None:
    """A stable, salted, non-reversible stand-in for a customer / sender identifier."""
    if not identifier:
        return None
    digest = hashlib.sha256(f"{salt()}\x1f{identifier.strip().lower()}".encode("utf-8")).hexdigest()
    return f"{kind}:{digest[:16]}"
