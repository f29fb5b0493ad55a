"""An authored store for the cases tests (reviews and calls, with their case rules and owners)."""

import json

REVIEWS = """id,content,store,created_at
r1,服务员态度很差，非常失望,解放碑店,2026-10-01
r2,菜很好吃，环境不错,解放碑店,2026-10-02
r3,服务员态度恶劣，太差了，再也不来了,观音桥店,2026-10-03
r4,价格有点贵,观音桥店,2026-10-04
"""


def call(call_id, customer, queue, *customer_turns, reply="好的，请稍等。", day=5):
    turns = [{"speaker": "agent", "text": "您好，请问有什么可以帮您？"}]
    for text in customer_turns:
        turns += [{"speaker": "customer", "text": text}, {"speaker": "agent", "text": reply}]
    return json.dumps({"call_id": call_id, "started_at": f"2026-10-{day:02d}T10:00:00+08:00", "queue": queue,
                       "customer_id": customer, "turns": turns}, ensure_ascii=False)


CALLS = "\n".join([
    # not resolved, transferred twice; the customer's number is in the turn and must not reach a case
    call("c1", "13812345678", "外卖投诉热线", "外卖等了一个半小时才到，菜都凉了，电话13812345678", "算了，问题还是没解决，我要投诉",
         reply="好的，我帮您转接一下。"),
    call("c2", "13900001111", "会员服务热线", "我想问一下积分怎么用", "好的，明白了，谢谢"),
    # the same customer as c1 complains again: a repeat complaint
    call("c3", "13812345678", "外卖投诉热线", "又是送得很慢，服务太差了", "好的谢谢", day=9),
]) + "\n"

RULES = """
escalate_at: high
repeat_window_days: 30
rules:
  - {name: unresolved_call, description: 来电未解决, severity: high, when: {channels: [call], call_resolved: false}}
  - {name: transferred, description: 多次转接, severity: medium, when: {channels: [call], transfers_at_least: 2}}
  - {name: staff, description: 员工态度差, severity: medium, when: {negative_on: [staff], code_score_below: -0.3}}
  - {name: repeat, description: 再次投诉, severity: high, when: {repeat_complaints: 2}}
"""

OWNERS = """
default: {owner: cx@example.com}
touchpoints:
  解放碑店: {owner: jfb@example.com, escalation: area@example.com}
  观音桥店: {owner: gyq@example.com, escalation: area@example.com}
  外卖投诉热线: {owner: delivery@example.com, escalation: director@example.com}
"""
