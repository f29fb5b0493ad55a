"""One clock: UTC plus the source's offset; naive times in the store's default zone; views on the
source's wall clock."""

from datetime import datetime, timedelta, timezone

import pytest

from pipeline.clock import to_utc, using_zone
from pipeline.ingest.runner import ingest_reviews_file
from pipeline.store import settings as store_settings
from pipeline.store import coding as coding_repo
from tests.conftest import write


def test_naive_times_are_read_in_the_default_zone():
    assert to_utc(datetime(2026, 5, 1, 7, 0)) == (datetime(2026, 4, 30, 23, 0), 480)  # Asia/Shanghai
    with using_zone("Europe/Berlin"):
        assert to_utc(datetime(2026, 1, 15, 12, 0)) == (datetime(2026, 1, 15, 11, 0), 60)
        assert to_utc(datetime(2026, 7, 15, 12, 0)) == (datetime(2026, 7, 15, 10, 0), 120)  # summer time


def test_aware_times_keep_their_own_offset():
    stamp = datetime(2026, 5, 1, 7, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert to_utc(stamp) == (datetime(2026, 5, 1, 12, 0), -300)


def test_an_unknown_zone_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        with using_zone("Mars/Olympus"):
            pass


def test_every_channel_stores_utc_with_the_offset(tmp_path):
    from pipeline.ingest.calls import read_calls
    from pipeline.ingest.emails import read_emails

    mail = write(tmp_path / "m.eml", "From: a@example.com\nSubject: hi\nDate: Fri, 01 May 2026 07:00:00 -0500\n"
                 "Message-ID: <1@x>\n\n菜很好吃\n")
    (item,) = read_emails(mail)
    assert (item.created_at, item.created_offset_min) == (datetime(2026, 5, 1, 12, 0), -300)
    call = write(tmp_path / "c.jsonl", '{"call_id": "1", "started_at": "2026-05-01T07:00:00+08:00", '
                 '"turns": [{"speaker": "customer", "text": "上菜太慢了"}]}\n')
    (item,) = read_calls(call)
    assert (item.created_at, item.created_offset_min) == (datetime(2026, 4, 30, 23, 0), 480)


def test_views_bucket_on_the_sources_wall_clock(store, tmp_path, coder):
    """07:00 on 1 May in Chongqing is 23:00 on 30 April in UTC: the day views count it on 1 May."""
    ingest_reviews_file(store, write(tmp_path / "r.csv", "id,content,created_at\n1,服务员态度很好,2026-05-01 07:00\n"))
    coding_repo.write_taxonomy(store, coder.taxonomy)
    coding_repo.write_batch(store, coder.code(coding_repo.items_to_code(store, coder.model_version)), coder.model_version)
    stored = store.query("SELECT created_at, created_offset_min FROM items").iloc[0]
    assert (stored.created_at.to_pydatetime(), stored.created_offset_min) == (datetime(2026, 4, 30, 23, 0), 480)
    occurred = store.query("SELECT occurred_at FROM v_items").iloc[0, 0]
    assert occurred.to_pydatetime() == datetime(2026, 5, 1, 7, 0)
    assert store_settings.default_zone(store) == "Asia/Shanghai"


def test_a_store_created_with_voc_timezone_keeps_that_zone(tmp_path, monkeypatch):
    from pipeline.store import open_store

    monkeypatch.setenv("VOC_TIMEZONE", "Europe/Berlin")
    with open_store(tmp_path / "berlin.duckdb") as store:
        assert store_settings.default_zone(store) == "Europe/Berlin"
        ingest_reviews_file(store, write(tmp_path / "r.csv", "id,content,created_at\n1,很好,2026-01-15 12:00\n"))
        assert store.query("SELECT created_offset_min FROM items").iloc[0, 0] == 60
