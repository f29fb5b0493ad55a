import pytest

from pipeline.redact import pseudonymise, redact, redact_value, valid_id_card, valid_luhn

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


@pytest.mark.parametrize("text, placeholder", [
    ("电话１３９１２３４５６７８", "[手机号]"),              # full-width digits
    ("手机139\u200b1234\u00a05678", "[手机号]"),          # zero-width space and NBSP between groups
    ("139\u30001234\t5678", "[手机号]"),                  # ideographic space and tab
    ("１３９－１２３４－５６７８", "[手机号]"),              # full-width hyphens
    ("139\u00ad1234\u00ad5678", "[手机号]"),              # soft hyphens
    ("139.1234.5678", "[手机号]"),
    ("tel13912345678", "[手机号]"),
    ("电话:13912345678", "[手机号]"),
    ("身份证110105900307001", "[身份证号]"),              # 15-digit first-generation ID
    ("身份证 110105 19900307 1239", "[身份证号]"),         # 18-digit ID with spaces
    ("李华@example.com", "[邮箱]"),                       # Chinese local part
    ("li.hua @ example.com", "[邮箱]"),                   # spaces around @
    ("li.hua＠example．com", "[邮箱]"),                   # full-width at sign and dot
])
def test_pii_hidden_by_width_separators_and_prefixes(text, placeholder):
    masked = redact(text)
    assert placeholder in masked and not any(ch.isdigit() for ch in masked.replace(placeholder, ""))
    assert "@" not in masked and "＠" not in masked


def test_masking_keeps_the_text_around_the_number():
    assert redact("联系我１３９\u200b１２３４ ５６７８谢谢") == "联系我[手机号]谢谢"


def test_metadata_values_of_any_shape_are_redacted():
    value = {"phone": 13912345678, "nested": [{"mail": "li@example.com"}], "count": 3, "ok": True}
    assert redact_value(value) == {"phone": "[手机号]", "nested": [{"mail": "[邮箱]"}], "count": 3, "ok": True}
