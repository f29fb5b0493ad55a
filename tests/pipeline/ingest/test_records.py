import hashlib

import pytest

from pipeline.ingest import records
from pipeline.ingest.records import LandingStream, UnreadableFile, read_records, split_lines
from pipeline.items import Quarantined
from tests.conftest import write


def test_csv_with_bom_quoted_newlines_and_a_short_row(tmp_path):
    path = write(tmp_path / "r.csv", '\ufeffid,content\n1,"第一行\n第二行，还有""引号"""\n2\n\n3,好吃\n')
    out = list(read_records(path))
    assert out[0] == ("record 1 (line 2)", {"id": "1", "content": '第一行\n第二行，还有"引号"'})
    assert isinstance(out[1], Quarantined) and out[1].locator == "record 2 (line 4)"
    assert "has 1 fields, header has 2" in out[1].reason
    assert out[2] == ("record 3 (line 6)", {"id": "3", "content": "好吃"})


def test_gbk_csv_is_decoded(tmp_path):
    path = write(tmp_path / "gbk.csv", "id,content\n1,服务员态度很差\n", encoding="gbk")
    assert list(read_records(path)) == [("record 1 (line 2)", {"id": "1", "content": "服务员态度很差"})]


def test_jsonl_bad_lines_are_quarantined_by_line(tmp_path):
    path = write(tmp_path / "r.jsonl", '{"text": "好"}\n{"text": "断了\n[1, 2]\n\n{"text": "差"}\n')
    out = list(read_records(path))
    assert out[0] == ("line 1", {"text": "好"})
    assert isinstance(out[1], Quarantined) and out[1].locator == "line 2" and "invalid JSON" in out[1].reason
    assert isinstance(out[2], Quarantined) and "not an object" in out[2].reason
    assert out[3] == ("line 5", {"text": "差"})


def test_parquet_rows(tmp_path):
    import pandas as pd

    path = tmp_path / "r.parquet"
    pd.DataFrame({"id": [1, 2], "content": ["好", "差"]}).to_parquet(path)
    assert [loc for loc, _ in read_records(path)] == ["row 1", "row 2"]


@pytest.mark.parametrize("name, data, reason", [
    ("bin.csv", b"\x00\x01\x02binary", "binary"),
    ("bad.csv", b"\xff\xfe\xfa\xfb\x81", "not valid"),
    ("bad.json", b'{"text": "x"', "invalid JSON"),
    ("bad.parquet", b"PAR1 not really", "Parquet"),
    ("notes.txt", b"hello", "unsupported"),
])
def test_unreadable_files_raise(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(UnreadableFile, match=reason):
        list(read_records(path))


# -- streaming a landing file: the same lines and records as the whole bytes, the fingerprint of what was read
TEXT = "id,content\r\n1,菜很好吃\r\n2,\"服务员\n态度\u2028很好\"\r3,价格便宜😀\n\n4,最后一行没有换行"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
@pytest.mark.parametrize("block", [1, 2, 3, 5, 7, 64])
def test_lines_match_whole_text_splitting_at_any_block_size(tmp_path, monkeypatch, encoding, block):
    if encoding == "gb18030":
        text = TEXT.replace("😀", "")
    else:
        text = TEXT
    path = tmp_path / "r.csv"
    path.write_bytes(text.encode(encoding))
    monkeypatch.setattr(records, "BLOCK", block)
    stream = LandingStream(path)
    assert [line for line in stream.lines()] == split_lines(text.lstrip("\ufeff"))
    assert (stream.size, stream.content_hash) == (path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest())


def test_streamed_records_equal_the_whole_file_parse(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text('id,content\n1,好吃\n2,"没有闭合的引号\n3,正常\n4,a,b\n', encoding="utf-8")
    whole = list(read_records(path, path.read_bytes()))
    streamed = list(read_records(path, LandingStream(path)))
    assert [(type(e).__name__, e if isinstance(e, tuple) else (e.locator, e.reason)) for e in streamed] == \
           [(type(e).__name__, e if isinstance(e, tuple) else (e.locator, e.reason)) for e in whole]


def test_stream_refuses_what_the_bytes_path_refuses(tmp_path):
    empty, binary, garbled = tmp_path / "e.csv", tmp_path / "b.csv", tmp_path / "g.csv"
    empty.write_bytes(b"  \n\n")
    binary.write_bytes(b"\x00\x01\x02\xff" * 100)
    garbled.write_bytes(b"id,content\n1,\xff\xfe\xfd\x80\x80\n")
    for path, message in ((empty, "empty file"), (binary, "binary content"), (garbled, "not valid")):
        with pytest.raises(UnreadableFile, match=message):
            list(read_records(path, LandingStream(path)))
