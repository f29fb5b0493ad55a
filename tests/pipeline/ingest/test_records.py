import pytest

from pipeline.ingest.records import UnreadableFile, read_records
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
