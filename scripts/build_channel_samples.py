"""Write the AUTHORED call-transcript and email samples in data/samples/calls and data/samples/emails.

There is no public corpus of Chinese call transcripts or customer emails here, so these are written
by the project (some customer sentences are taken from the real AIC 2018 reviews so the language is
real). Every phone number, ID number, card number and address in them is made up. They exercise the
real-world mess: vendor JSON shapes, unlabelled speakers, ASR fillers, GBK/Big5 mail, HTML-only
mail, quoted threads, a mislabelled charset, an attachment, a duplicate complaint.
"""

from __future__ import annotations

import json
import mailbox
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CALLS = ROOT / "data" / "samples" / "calls"
EMAILS = ROOT / "data" / "samples" / "emails"
NOTE = "AUTHORED SAMPLE (not real customer data; identifiers are made up)"


def _fake_id(base17: str = "11010519900307123") -> str:
    """A made-up resident ID number with a valid check character."""
    from pipeline.redact import _ID_CHECK, _ID_WEIGHTS

    return base17 + _ID_CHECK[sum(int(d) * w for d, w in zip(base17, _ID_WEIGHTS)) % 11]


def _fake_card(base: str = "622202000000000000") -> str:
    """A made-up card number with a valid Luhn check digit."""
    from pipeline.redact import valid_luhn

    return next(base + d for d in "0123456789" if valid_luhn(base + d))


import sys  # noqa: E402

sys.path.insert(0, str(ROOT))
FAKE_ID = _fake_id()
FAKE_CARD = _fake_card()


def calls() -> None:
    CALLS.mkdir(parents=True, exist_ok=True)
    vendor_a = [
        {"call_id": "HL-20261102-0001", "started_at": "2026-11-02T09:31:05+08:00", "queue": "外卖投诉热线",
         "agent_id": "A1023", "customer_id": "13812345678", "_note": NOTE,
         "turns": [
             {"speaker": "agent", "start": 0.0, "end": 4.1, "text": "您好，工号1023为您服务，请问有什么可以帮您？"},
             {"speaker": "customer", "start": 4.5, "end": 15.2, "text": "嗯，那个，我昨天晚上在你们解放碑店点的外卖，等了一个半小时才送到，菜都凉了。"},
             {"speaker": "agent", "start": 15.8, "end": 21.0, "text": "非常抱歉给您带来不便，请您提供一下下单的手机号，我帮您核实一下。"},
             {"speaker": "customer", "start": 21.3, "end": 25.0, "text": "手机号是13812345678。"},
             {"speaker": "agent", "start": 25.2, "end": 30.0, "text": "好的，请稍等，我这边帮您查询。"},
             {"speaker": "agent", "start": 62.0, "end": 70.5, "text": "让您久等了，订单确实超时了，我帮您转接到门店经理处理赔付。"},
             {"speaker": "customer", "start": 71.0, "end": 80.0, "text": "又要转接？我已经打了两次电话了，每次都要重新报手机号，太麻烦了。"},
             {"speaker": "agent", "start": 80.5, "end": 86.0, "text": "实在抱歉，再跟您核实一下身份，您的姓名是？"},
             {"speaker": "customer", "start": 86.3, "end": 92.0, "text": "算了，问题还是没解决，我要投诉。"},
         ]},
        {"call_id": "HL-20261103-0042", "started_at": "2026-11-03T12:05:40+08:00", "queue": "会员服务热线",
         "agent_id": "A2051", "customer_id": "13987654321", "_note": NOTE,
         "turns": [
             {"speaker": "agent", "start": 0.0, "end": 3.5, "text": "您好，很高兴为您服务。"},
             {"speaker": "customer", "start": 3.9, "end": 12.0, "text": "你好，我想问一下会员积分怎么抵扣，上次在观音桥店吃饭服务员态度很好，菜也好吃，所以办了会员。"},
             {"speaker": "agent", "start": 12.5, "end": 22.0, "text": "感谢您的认可，积分可以在买单时直接抵扣，一百积分抵十元。"},
             {"speaker": "customer", "start": 22.4, "end": 26.0, "text": "好的明白了，谢谢你。"},
         ]},
        {"call_id": "HL-20261104-0107", "started_at": "2026-11-04T18:44:10+08:00", "queue": "预订热线",
         "agent_id": "A1077", "customer_id": "02362345678", "_note": NOTE + "; an abandoned call: no customer turn",
         "turns": [
             {"speaker": "agent", "start": 0.0, "end": 3.0, "text": "您好，请问有什么可以帮您？"},
             {"speaker": "agent", "start": 8.0, "end": 10.0, "text": "您好？请问能听到吗？"},
         ]},
    ]
    (CALLS / "hotline_vendor_a.jsonl").write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in vendor_a) + "\n", encoding="utf-8")
    vendor_b = [{"id": "QS-88301", "start_time": "2026-11-05 20:12:00", "line": "外卖投诉热线", "note": NOTE,
                 "utterances": [
                     {"role": "客服", "begin_ms": 0, "end_ms": 3800, "content": "您好，这里是客服中心，请问有什么可以帮您？"},
                     {"role": "客户", "begin_ms": 4100, "end_ms": 14000, "content": "我在南坪店吃饭，上菜速度太慢了，等了四十分钟，而且价格偏贵，性价比不高。"},
                     {"role": "客服", "begin_ms": 14500, "end_ms": 20000, "content": "抱歉，我帮您记录反馈，稍后门店会联系您，您的联系电话是？"},
                     {"role": "客户", "begin_ms": 20300, "end_ms": 24000, "content": "电话是023-62345678，希望能改进吧。"},
                 ]}]
    (CALLS / "callcenter_vendor_b.json").write_text(json.dumps(vendor_b, ensure_ascii=False, indent=1), encoding="utf-8")
    vendor_c = {"callId": "IF-5531", "startTime": "2026-11-06T10:00:00+08:00", "skill_group": "会员服务热线", "note": NOTE,
                "segments": [
                    {"spk": "1", "bg": 0, "ed": 3600, "onebest": "您好，工号2088，很高兴为您服务，请问有什么可以帮您？"},
                    {"spk": "0", "bg": 3900, "ed": 12800, "onebest": "啊，我想办理退卡，卡号" + FAKE_CARD + "，上次停车也不方便。"},
                    {"spk": "1", "bg": 13000, "ed": 19000, "onebest": "好的，请您提供身份证后四位核实一下身份。"},
                    {"spk": "0", "bg": 19500, "ed": 26000, "onebest": "身份证号" + FAKE_ID + "，你们环境不错，就是停车太难了。"},
                    {"spk": "1", "bg": 26500, "ed": 30000, "onebest": "已经为您办理好了，请问还有其他可以帮您？"},
                    {"spk": "0", "bg": 30200, "ed": 32000, "onebest": "没有了，可以了，谢谢。"},
                ]}
    (CALLS / "asr_vendor_c_unlabelled.json").write_text(json.dumps(vendor_c, ensure_ascii=False, indent=1), encoding="utf-8")
    (CALLS / "dialogue_20261107_1530.txt").write_text(
        f"# {NOTE}\n# queue: 预订热线\n# started_at: 2026-11-07 15:30:00\n"
        "[00:00:01] 坐席：您好，欢迎致电，工号3012为您服务。\n"
        "[00:00:05] 用户：嗯，我想订周六晚上沙坪坝店的包间，十个人。\n"
        "[00:00:12] 坐席：好的，请稍等，我帮您查询一下。\n"
        "[00:00:40] 坐席：周六包间已经订满了，大厅可以吗？\n"
        "[00:00:46] 用户：那个，大厅太吵了，上次去环境很嘈杂，\n"
        "还是算了吧，你们包间太难订了。\n"
        "[00:00:58] 坐席：抱歉，可以帮您登记候补。\n"
        "[00:01:03] 用户：好的谢谢。\n", encoding="utf-8")


def _plain(text: str, charset: str) -> MIMEText:
    return MIMEText(text, "plain", charset)


def emails() -> None:
    EMAILS.mkdir(parents=True, exist_ok=True)
    gbk = _plain("客服你好：\n\n上周六在解放碑店用餐，服务员态度很差，叫了三次都没人理，菜也上得特别慢。"
                 "我的电话13711112222，请尽快回复。\n\n王先生\n\n-----原始邮件-----\n发件人: service@restaurant.example\n"
                 "主题: 回复: 用餐反馈\n感谢您的来信，我们会尽快处理。\n", "gbk")
    gbk["Subject"] = Header("投诉：解放碑店服务态度差", "gbk")
    gbk["From"] = "Wang <wang.customer@example.com>"
    gbk["To"] = "feedback@restaurant.example"
    gbk["Date"] = "Mon, 02 Nov 2026 10:15:00 +0800"
    gbk["Message-ID"] = "<complaint-001@mail.example.com>"
    gbk["X-Sample"] = NOTE
    (EMAILS / "complaint_gbk.eml").write_bytes(gbk.as_bytes())

    html = MIMEText("<html><head><style>p{color:red}</style></head><body><p>你好！</p>"
                    "<p>昨天带家人去观音桥店，<b>环境很好，装修很有格调</b>，菜品也很新鲜，性价比很高，下次还会再来。</p>"
                    "<blockquote>在 2026年11月1日 写道：欢迎您的光临</blockquote>"
                    "<p>-- <br>发自我的iPhone</p></body></html>", "html", "utf-8")
    html["Subject"] = Header("表扬观音桥店", "utf-8")
    html["From"] = "li.hua@example.com"
    html["To"] = "feedback@restaurant.example"
    html["Date"] = "Tue, 03 Nov 2026 21:40:00 +0800"
    html["Message-ID"] = "<praise-002@mail.example.com>"
    html["X-Sample"] = NOTE
    (EMAILS / "praise_html_only.eml").write_bytes(html.as_bytes())

    wrong = MIMEText("", "plain", "utf-8")
    wrong.set_payload("南坪店的停车场太小了，每次都找不到车位，希望改进。邮箱 chen.m@example.com".encode("utf-8"))
    del wrong["Content-Transfer-Encoding"]
    wrong["Content-Transfer-Encoding"] = "8bit"
    wrong.set_param("charset", "gb2312")  # mislabelled: the bytes are UTF-8
    wrong["Subject"] = "parking"
    wrong["From"] = "chen.m@example.com"
    wrong["To"] = "feedback@restaurant.example"
    wrong["Date"] = "Wed, 04 Nov 2026 08:00:00 +0800"
    wrong["Message-ID"] = "<parking-003@mail.example.com>"
    wrong["X-Sample"] = NOTE
    (EMAILS / "mislabelled_charset.eml").write_bytes(wrong.as_bytes())

    box_path = EMAILS / "feedback_inbox.mbox"
    box_path.unlink(missing_ok=True)
    box = mailbox.mbox(str(box_path))
    first = _plain("您好，我在沙坪坝店点的烤鱼味道太咸了，价格还贵，非常失望。\n\n张女士\n", "utf-8")
    again = _plain("客服您好，再说一次：我在沙坪坝店点的烤鱼味道太咸了，价格还贵，非常失望。\n\n张女士\n", "utf-8")
    reply = _plain(f"补充一下，我的会员卡号{FAKE_CARD}，到现在还没人联系我。\n\n"
                   "在 2026年11月4日 星期三 09:12，客服中心 写道：\n> 您好，已收到您的反馈。\n> 我们会尽快处理。\n", "utf-8")
    big5 = _plain("服務員很熱情，上菜速度也快，整體體驗很好。", "big5")
    multipart = MIMEMultipart()
    multipart.attach(_plain("发票开错了，附件是照片，请处理。流程太繁琐了。", "utf-8"))
    attachment = MIMEApplication(b"\x89PNG fake image bytes", Name="invoice.png")
    attachment["Content-Disposition"] = 'attachment; filename="invoice.png"'
    multipart.attach(attachment)
    for n, (msg, subject, sender, extra) in enumerate([
        (first, "烤鱼太咸", "zhang.w@example.com", {}),
        (again, "烤鱼太咸（再次反馈）", "zhang.w@example.com", {}),
        (reply, "Re: 烤鱼太咸", "zhang.w@example.com", {"In-Reply-To": "<mbox-001@mail.example.com>",
                                                        "References": "<mbox-001@mail.example.com> <ack-01@restaurant.example>"}),
        (big5, "表揚", "tw.guest@example.com", {}),
        (multipart, "发票问题", "liu.q@example.com", {}),
    ], start=1):
        msg["Subject"] = Header(subject, "utf-8")
        msg["From"] = sender
        msg["To"] = "feedback@restaurant.example"
        msg["Date"] = f"Thu, 0{n} Nov 2026 1{n}:00:00 +0800"
        msg["Message-ID"] = f"<mbox-00{n}@mail.example.com>"
        msg["X-Sample"] = NOTE
        for key, value in extra.items():
            msg[key] = value
        box.add(msg)
    box.flush()
    box.close()


if __name__ == "__main__":
    calls()
    emails()
    print(f"wrote {CALLS} and {EMAILS}")
