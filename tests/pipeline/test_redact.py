import pytest

from pipeline.redact import pseudonymise, redact, valid_id_card, valid_luhn

ID = "11010519491231002X"          # checksum-valid, real-looking birth date
CARD = "4111111111111111"          # Luhn-valid test card number


@pytest.mark.parametrize("text, expected", [
    ("我的手机13812345678请回电", "我的手机[手机号]请回电"),
    ("电话+86 138-1234-5678", "电话[手机号]"),
    ("座机010-62345678转8", "座机[电话]转8"),
    ("打(023)62345678", "打[电话]"),
    (f"身份证{ID}已验证", "身份证[身份证号]已验证"),
    (f"身份证{ID.lower()}", "身份证[身份证号]"),
    (f"卡号{CARD}，谢谢", "卡号[银行卡号],谢谢".replace(",", "，")),
    ("卡号 4111 1111 1111 1111 谢谢", "卡号 [银行卡号] 谢谢"),
    ("邮箱 zhang.san+vip@qq.com 联系", "邮箱 [邮箱] 联系"),
])
def test_each_pii_kind_is_masked_and_the_chinese_around_it_kept(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "订单号202311150000123456",            # 18 digits, no real birth date
    "订单号110105194912310021",            # real-looking date, wrong check character
    "快递单号4111111111111112",            # 16 digits failing Luhn
    "金额12345元，共3件",
    "工号1023为您服务",
    "版本v13812345678a",                   # digits glued to letters: not a phone number
])
def test_look_alikes_are_not_masked(text):
    assert redact(text) == text


def test_checksums():
    assert valid_id_card(ID) and not valid_id_card(ID[:-1] + "1")
    assert not valid_id_card("11010519491331002X")  # month 13
    assert valid_luhn(CARD) and not valid_luhn("4111111111111112")


def test_pseudonyms_are_stable_salted_and_not_reversible(monkeypatch):
    first = pseudonymise("13812345678")
    assert first == pseudonymise(" 13812345678 ") and first.startswith("customer:") and "1381" not in first
    monkeypatch.setenv("VOC_PII_SALT", "another-deployment")
    assert pseudonymise("13812345678") != first
    assert pseudonymise(None) is None
