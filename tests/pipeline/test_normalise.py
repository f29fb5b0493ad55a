from pipeline.normalise import detect_language, normalise_text


def test_full_width_becomes_half_width():
    assert normalise_text("ＡＢＣ１２３，好！") == "ABC123,好!"


def test_traditional_becomes_simplified():
    assert normalise_text("服務員態度很差，價格實惠") == "服务员态度很差,价格实惠"


def test_control_and_zero_width_characters_go():
    assert normalise_text("好\u200b吃\x07了\ufeff") == "好吃 了"


def test_whitespace_is_collapsed_and_lines_kept():
    assert normalise_text("  菜\t\t很好 \r\n\r\n  服务\u3000一般  ") == "菜 很好\n服务 一般"


def test_language_detection():
    assert detect_language("服务员态度很好，菜也好吃") == "zh"
    assert detect_language("The waiter was rude and the food cold") == "en"
    assert detect_language("wifi 很快 but the food was cold") == "mixed"
    assert detect_language("房间有 wifi，很方便") == "zh"
    assert detect_language("12345 !!!") == "unknown"
