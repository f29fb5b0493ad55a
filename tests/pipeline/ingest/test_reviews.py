from datetime import datetime

from pipeline.ingest.records import MAX_TEXT_CHARS
from pipeline.ingest.reviews import ColumnMapping, read_reviews
from pipeline.items import Item, Quarantined
from pipeline.touchpoints import TouchpointMap
from tests.conftest import write


def split(entries):
    items = [e for e in entries if isinstance(e, Item)]
    bad = [e for e in entries if isinstance(e, Quarantined)]
    return items, bad


def test_auto_detected_columns_and_normalisation(tmp_path):
    path = write(tmp_path / "shop.csv", "review_id,评论,stars,门店,date,extra\n"
                                        "a1,服務員態度很差！,2,解放碑店,2026-05-03 12:00,x\n")
    (item,) = list(read_reviews(path))
    assert item.text == "服务员态度很差!" and item.raw_text == "服務員態度很差！"
    assert item.external_id == "a1" and item.rating == 2.0 and item.rating_scale == 5
    assert item.entity == "解放碑店" and item.touchpoint == "解放碑店" and item.journey_stage == "use"
    assert item.created_at == datetime(2026, 5, 3, 4, 0) and item.created_offset_min == 480  # UTC + Shanghai offset
    assert item.channel == "review" and item.source == "shop.csv" and item.language == "zh"
    assert item.meta == {"extra": "x"}


def test_explicit_mapping_and_touchpoint_map(tmp_path):
    path = write(tmp_path / "r.jsonl", '{"body": "停车很方便", "shop": "S1", "nps": 9}\n')
    mapping = ColumnMapping(text="body", entity="shop", rating="nps", rating_scale=10)
    touchpoints = TouchpointMap(entities={"S1": {"touchpoint": "重庆·一号店", "journey_stage": "purchase"}})
    (item,) = list(read_reviews(path, mapping, touchpoints=touchpoints))
    assert (item.touchpoint, item.journey_stage, item.rating, item.rating_scale) == ("重庆·一号店", "purchase", 9.0, 10)


def test_item_ids_are_stable_and_source_scoped(tmp_path):
    path = write(tmp_path / "r.csv", "id,content\n1,好吃\n,没有编号的评论\n")
    first = [i.item_id for i in read_reviews(path)]
    assert first == [i.item_id for i in read_reviews(path)]
    other = [i.item_id for i in read_reviews(path, source="another-export")]
    assert first[0] != other[0]      # external id is scoped by source
    assert first[1] == other[1]      # no id: content hash, same text same id


def test_bad_records_are_quarantined_with_reasons(tmp_path):
    long_text = "好" * (MAX_TEXT_CHARS + 1)
    path = write(tmp_path / "r.csv", "id,content,rating,created_at\n"
                                     "1,,4,2026-01-01\n"
                                     "2,\u200b\u200b,4,2026-01-01\n"
                                     "3,不错,abc,2026-01-01\n"
                                     "4,不错,7,2026-01-01\n"
                                     "5,不错,4,not-a-date\n"
                                     f"6,{long_text},4,2026-01-01\n"
                                     "7,很好,5,2026-01-02\n")
    items, bad = split(list(read_reviews(path)))
    assert [i.external_id for i in items] == ["7"]
    reasons = {q.locator: q.reason for q in bad}
    assert reasons["record 1 (line 2)"].startswith("empty text in column 'content'")
    assert "empty after normalisation" in reasons["record 2 (line 3)"]
    assert "bad rating in column 'rating'" in reasons["record 3 (line 4)"]
    assert "outside 0–5" in reasons["record 4 (line 5)"]
    assert "bad date 'not-a-date'" in reasons["record 5 (line 6)"]
    assert f"over the {MAX_TEXT_CHARS} limit" in reasons["record 6 (line 7)"]
    assert all(q.source == "r.csv" and q.channel == "review" and q.raw_payload for q in bad)


def test_missing_text_column_is_named(tmp_path):
    path = write(tmp_path / "r.csv", "id,stars\n1,5\n")
    (bad,) = list(read_reviews(path))
    assert isinstance(bad, Quarantined) and "no text column" in bad.reason


def test_unreadable_file_becomes_one_quarantine_record(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_bytes(b"\x00\x00\x00")
    (bad,) = list(read_reviews(path))
    assert isinstance(bad, Quarantined) and bad.locator == "file" and "binary" in bad.reason
