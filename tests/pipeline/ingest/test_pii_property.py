"""Property: PII written in any width, with any separators and prefixes, in any field of any channel,
never reaches a stored value (every table, every text column), read as a scanner would read it."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.ingest.runner import discover, ingest_file
from pipeline.store import open_store
from tests.pipeline.ingest.test_hostile import assert_no_pii

PROVINCES = ["11", "31", "44", "50", "51", "65"]
SEPARATORS = ["", " ", "-", "\u00a0", "\u3000", "\u200b", "\t", "－", "\u00ad", ".", "  "]
PREFIXES = ["", "tel", "电话:", "手机 ", "联系", "Tel:", "电话："]
FULL_WIDTH = str.maketrans("0123456789@.", "０１２３４５６７８９＠．")


def _id18(rng: random.Random) -> str:
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 55))
    body = rng.choice(PROVINCES) + f"{rng.randrange(10000):04d}" + born.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


def _id15(rng: random.Random) -> str:
    born = date(1930, 1, 1) + timedelta(days=rng.randrange(0, 365 * 69))
    return rng.choice(PROVINCES) + f"{rng.randrange(10000):04d}" + born.strftime("%y%m%d") + f"{rng.randrange(1000):03d}"


def _card(rng: random.Random) -> str:
    digits = [6, 2] + [rng.randrange(10) for _ in range(rng.choice([13, 14, 16]))]
    total = 0
    for i, d in enumerate(reversed(digits)):  # the check digit makes the Luhn sum a multiple of 10
        d = d * 2 if i % 2 == 0 else d
        total += d - 9 if d > 9 else d
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def _groups(number: str, sizes: list[int]) -> list[str]:
    out, i = [], 0
    for size in sizes:
        out.append(number[i:i + size])
        i += size
    if i < len(number):
        out.append(number[i:])
    return out


@st.composite
def pii(draw: st.DrawFn) -> tuple[str, str]:
    """(the PII as written in a text, the PII as a scanner searches for it)."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    kind = draw(st.sampled_from(["mobile", "id18", "id15", "card", "landline", "email"]))
    wide = draw(st.booleans())
    if kind == "email":
        local = draw(st.sampled_from(["li.hua", "zhang_wei88", "李华", "service.vip", "wang-fang"]))
        domain = draw(st.sampled_from(["example.com", "mail.example.cn", "163.com"]))
        at = draw(st.sampled_from(["@", " @ ", "@ ", "＠"]))
        written = f"{local}{at}{domain}"
        return (written.translate(FULL_WIDTH) if wide else written), f"{local}@{domain}"
    if kind == "mobile":
        number = "1" + rng.choice("3456789") + "".join(str(rng.randrange(10)) for _ in range(9))
        sizes = [3, 4, 4]
    elif kind == "id18":
        number, sizes = _id18(rng), [6, 8, 4]
    elif kind == "id15":
        number, sizes = _id15(rng), [6, 6, 3]
    elif kind == "card":
        number, sizes = _card(rng), [4, 4, 4, 4]
    else:
        number = "0" + rng.choice(["10", "21", "23", "755", "571"]) + "".join(str(rng.randrange(10)) for _ in range(8))
        sizes = [len(number) - 8, 4, 4]
    separator = draw(st.sampled_from(SEPARATORS))
    written = separator.join(_groups(number, sizes))
    if kind == "mobile" and draw(st.booleans()):
        written = draw(st.sampled_from(["+86 ", "+86-", "0086", "86"])) + written
    written = draw(st.sampled_from(PREFIXES)) + written
    return (written.translate(FULL_WIDTH) if wide else written), number


def landing_with(folder: Path, written: str, plain: str) -> None:
    """One file per channel, the PII in every kind of field each channel has."""
    folder.mkdir(parents=True, exist_ok=True)
    digits_only = plain.isdigit()
    records = [
        {"id": "r1", "content": f"服务员态度很差，{written}，菜也凉了", "store": "南坪店"},
        {"id": "r2", "content": "菜很好吃", "store": f"门店{written}", "note": written,
         "nested": {"contact": [written, {"deep": written}]}, "number": int(plain) if digits_only else written},
        {"id": plain, "content": "价格偏贵", "store": "南坪店"},
    ]
    (folder / "reviews.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records)
                                          + "\n{\"id\": \"bad\", \"content\": \"" + written + "\n", encoding="utf-8")
    (folder / "reviews.csv").write_text(f"id,content,store\nc1,价格合理,南坪店\nc2,\"{written}\" 坏行,南坪店\n"
                                        f"c3,\"未闭合 {written},南坪店\n", encoding="utf-8")
    call = {"call_id": f"C-{plain}" if digits_only else "C-1", "queue": f"热线{written}", "agent_id": written,
            "customer_id": written, "turns": [{"speaker": "客服", "text": "您好，请问有什么可以帮您"},
                                               {"speaker": "客户", "text": f"我的联系方式是{written}，上菜太慢"}]}
    (folder / "calls.jsonl").write_text(json.dumps(call, ensure_ascii=False) + "\n", encoding="utf-8")
    sender = written if "@" in plain else f"{plain}@example.org"
    mail = (f"From: 客户 <{sender}>\nTo: feedback@restaurant.example\nSubject: 投诉 {written}\n"
            f"Message-ID: <{plain}@example.org>\nIn-Reply-To: <{plain}@example.org>\n"
            "Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain; charset=utf-8\n\n"
            f"菜很咸，请联系 {written}\n--b\nContent-Disposition: attachment; filename=\"{plain}.pdf\"\n"
            "Content-Type: application/pdf\n\nJVBE\n--b--\n")
    (folder / "mail.eml").write_bytes(mail.encode("utf-8"))
    (folder / "notes.txt").write_text(f"not feedback {written}\n", encoding="utf-8")  # a file-level quarantine


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pii())
def test_no_pii_in_any_table(tmp_path_factory, case):
    written, plain = case
    folder = tmp_path_factory.mktemp("pii")
    landing_with(folder / "in", written, plain)
    db = folder / "v.duckdb"
    with open_store(db) as store:
        for found in discover([folder / "in"]):
            ingest_file(store, found.path, source=found.source)
        items = store.scalar("SELECT count(*) FROM items")
        quarantined = store.scalar("SELECT count(*) FROM quarantine")
    assert items == 6 and quarantined == 4  # 3 + 1 reviews, 1 call, 1 mail; 2 bad CSV rows, 1 bad line, notes.txt
    assert_no_pii(db, [plain])
