import json

import pytest

from pipeline.ingest.calls import assign_roles, call_from_text, read_calls
from pipeline.items import Item, Quarantined
from pipeline.paths import SAMPLES_DIR
from tests.conftest import write

CALLS = SAMPLES_DIR / "calls"


def items_of(path):
    return [e for e in read_calls(path) if isinstance(e, Item)]


def test_vendor_a_jsonl_roles_signals_and_customer_text():
    entries = list(read_calls(CALLS / "hotline_vendor_a.jsonl"))
    first = entries[0]
    assert isinstance(first, Item) and first.channel == "call" and first.external_id == "HL-20261102-0001"
    assert first.touchpoint == "外卖投诉热线" and first.journey_stage == "service"
    assert "您好，工号" not in first.text and "工号" not in first.text       # agent turns are not coded
    assert first.text.startswith("我昨天晚上在你们解放碑店点的外卖")            # ASR fillers 嗯/那个 dropped
    signals = first.meta["call"]
    assert (signals["transfers"], signals["holds"], signals["identity_checks"]) == (1, 1, 2)
    assert signals["resolved"] is False and signals["duration_s"] == 92.0 and signals["role_confidence"] == 1.0
    for turn in first.meta["turns"]:  # each customer turn maps back into the coded text and the call
        start, end = turn["offset"]
        assert first.text[start:end] and turn["start"] is not None
    assert first.meta["customer"].startswith("customer:") and "13812345678" not in json.dumps(first.meta)
    abandoned = entries[2]
    assert isinstance(abandoned, Quarantined) and abandoned.locator == "line 3"
    assert "no customer turn" in abandoned.reason


def test_vendor_b_chinese_role_labels_and_milliseconds():
    (item,) = items_of(CALLS / "callcenter_vendor_b.json")
    assert item.meta["call"]["duration_s"] == 24.0 and "[电话]" in item.text


def test_unlabelled_speakers_are_inferred_with_confidence():
    (item,) = items_of(CALLS / "asr_vendor_c_unlabelled.json")
    assert item.text.startswith("我想办理退卡") and "工号" not in item.text
    assert 0.5 < item.meta["call"]["role_confidence"] < 1.0
    assert item.meta["call"]["resolved"] is True


def test_text_dialogue_with_timestamps_wrapped_lines_and_header():
    (item,) = items_of(CALLS / "dialogue_20261107_1530.txt")
    assert item.touchpoint == "预订热线" and item.created_at.isoformat() == "2026-11-07T07:30:00"  # naive: Asia/Shanghai
    assert item.created_offset_min == 480
    assert "大厅太吵了,上次去环境很嘈杂,还是算了吧" in item.text  # the wrapped line joined its turn


@pytest.mark.parametrize("labels", [("A", "B"), ("0", "1"), ("spk1", "spk2")])
def test_role_inference_picks_the_greeting_speaker_even_when_second(labels):
    customer, agent = labels
    call = call_from_text(f"{customer}: 喂,我的订单还没到\n{agent}: 您好,工号123,请问有什么可以帮您\n"
                          f"{customer}: 订单号多少我忘了\n{agent}: 请稍等,我帮您查询", "x")
    assert [t.speaker for t in call.turns] == [customer, agent, customer, agent]
    assign_roles(call)
    assert [t.role for t in call.turns] == ["customer", "agent", "customer", "agent"]


def test_no_cues_falls_back_to_first_speaker_at_half_confidence():
    call = call_from_text("A: 你好\nB: 你好\n", "x")
    assign_roles(call)
    assert call.turns[0].role == "agent" and call.role_confidence == 0.5


def test_ascii_colon_and_other_role_aliases(tmp_path):
    path = write(tmp_path / "c.txt", "坐席: 您好\n用户: 上菜太慢了\n")
    (item,) = items_of(path)
    assert item.text == "上菜太慢了" and item.external_id == "c"


def test_bad_call_files_are_quarantined(tmp_path):
    (bad,) = list(read_calls(write(tmp_path / "t.json", '{"call_id": "x", "turns": [{"speaker"')))
    assert isinstance(bad, Quarantined) and "invalid JSON" in bad.reason
    (bad,) = list(read_calls(write(tmp_path / "n.json", '{"call_id": "x"}')))
    assert isinstance(bad, Quarantined) and "no list of turns" in bad.reason
    (bad,) = list(read_calls(write(tmp_path / "e.txt", "  \n")))
    assert isinstance(bad, Quarantined) and "empty file" in bad.reason
