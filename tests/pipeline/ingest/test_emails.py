from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest

from pipeline.ingest.emails import read_emails, strip_quotes
from pipeline.redact import pseudonymise
from pipeline.items import Item, Quarantined
from pipeline.paths import SAMPLES_DIR

EMAILS = SAMPLES_DIR / "emails"
BODY = "上菜太慢了，服务员态度也不好。"


def message(body: str, charset: str, subject: str = "投诉", subtype: str = "plain") -> MIMEText:
    msg = MIMEText(body, subtype, charset)
    msg["Subject"] = Header(subject, charset)
    msg["From"] = "Customer <someone@example.com>"
    msg["To"] = "service@shop.example"
    msg["Message-ID"] = f"<{charset}@example.com>"
    return msg


def one(tmp_path, msg) -> Item:
    path = tmp_path / "m.eml"
    path.write_bytes(msg.as_bytes())
    (item,) = list(read_emails(path))
    assert isinstance(item, Item), item
    return item


@pytest.mark.parametrize("charset", ["utf-8", "gb2312", "gbk", "gb18030", "big5"])
def test_each_charset_and_rfc2047_subject(tmp_path, charset):
    body, subject = ("上菜太慢了,服務員態度也不好。", "投訴上菜慢") if charset == "big5" else (BODY, "投诉上菜慢")
    item = one(tmp_path, message(body, charset, subject=subject))
    assert item.text == "上菜太慢了,服务员态度也不好。"  # normalised; Big5 traditional → simplified
    assert item.meta["subject"] == "投诉上菜慢"
    assert item.channel == "email" and item.touchpoint == "service@shop.example"


def test_mislabelled_charset_falls_back(tmp_path):
    msg = MIMEText("", "plain", "utf-8")
    msg.set_payload("停车场太小了".encode("utf-8"))
    del msg["Content-Transfer-Encoding"]
    msg["Content-Transfer-Encoding"] = "8bit"
    msg.set_param("charset", "gb2312")
    assert one(tmp_path, msg).text == "停车场太小了"


def test_plain_preferred_over_html_and_html_only_converted(tmp_path):
    alt = MIMEMultipart("alternative")
    alt.attach(MIMEText("纯文本正文", "plain", "utf-8"))
    alt.attach(MIMEText("<p>HTML 正文</p>", "html", "utf-8"))
    assert one(tmp_path, alt).text == "纯文本正文"
    html = message("<html><body><p>环境<b>很好</b></p><blockquote>旧邮件</blockquote><script>x()</script></body></html>",
                   "utf-8", subtype="html")
    assert one(tmp_path, html).text == "环境很好"


@pytest.mark.parametrize("history", [
    "-----原始邮件-----\n发件人: service@shop.example\n之前的内容",
    "在 2026年11月1日 星期日 10:00，客服 写道：\n> 之前的内容",
    "From: service@shop.example\nSent: Monday\n之前的内容",
    "> 之前的内容\n> 更多",
    "---------- Forwarded message ---------\n之前的内容",
    "--\n张三 | 某公司",
    "发自我的iPhone",
])
def test_quoted_history_and_signatures_are_cut(history):
    assert strip_quotes(f"新的问题:价格太贵\n\n{history}") == "新的问题:价格太贵"


def test_mbox_thread_headers_sender_and_attachments():
    entries = list(read_emails(EMAILS / "feedback_inbox.mbox"))
    assert len(entries) == 5 and all(isinstance(e, Item) for e in entries)
    reply = entries[2]
    # thread headers are pseudonymised like the message id they point at, so threads still link
    assert reply.locator == "message 3" and reply.meta["in_reply_to"] == pseudonymise("<mbox-001@mail.example.com>", "msg")
    assert reply.meta["in_reply_to"] in {e.external_id for e in entries} and "mail.example.com" not in str(reply.meta)
    assert "之前" not in reply.text and "写道" not in reply.text and "[银行卡号]" in reply.text
    assert reply.meta["sender"].startswith("sender:") and "zhang" not in str(reply.meta)
    assert entries[4].meta["attachments"] == [{"filename": "invoice.png", "content_type": "application/octet-stream", "bytes": 21}]
    assert entries[0].item_id != entries[1].item_id  # a thread counts once per message


def test_gbk_sample_strips_original_mail_and_redacts():
    (item,) = list(read_emails(EMAILS / "complaint_gbk.eml"))
    assert "服务员态度很差" in item.text and "原始邮件" not in item.text and "感谢您的来信" not in item.text
    assert "[手机号]" in item.text and "1371111" not in item.raw_text


def test_bad_emails_are_quarantined(tmp_path):
    only_attachment = tmp_path / "a.eml"
    only_attachment.write_bytes(b'Subject: x\nFrom: a@b.c\nContent-Type: multipart/mixed; boundary="b"\n\n--b\n'
                                b'Content-Disposition: attachment; filename="x.pdf"\nContent-Type: application/pdf\n\nJVBE\n--b--\n')
    (bad,) = list(read_emails(only_attachment))
    assert isinstance(bad, Quarantined) and "no text body" in bad.reason
    empty = tmp_path / "e.eml"
    empty.write_bytes(b"")
    (bad,) = list(read_emails(empty))
    assert isinstance(bad, Quarantined) and "empty file" in bad.reason
