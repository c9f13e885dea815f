"""What is not a report and not a command: greetings, thanks, a plain "โอเค", plans ("พรุ่งนี้
จะไปขาย"), questions ("บันทึกยอดขายยังไงคะ"), "วันนี้ไม่ได้ขาย". Each gets a short, warm answer
that says what to type next; none of them is ever recorded, and none gets an apology."""

from __future__ import annotations

import re

from bot.handlers.context import Context, reply
from bot.messages import Reply
from bot.vocabulary import MENU, SUMMARY, command_of, spoken

_GREETING = re.compile(r"^(?:สวัสดี|หวัดดี|ดีค่ะ|ดีครับ|ดีจ้า|ดีคับ|hello|hi\b|hey\b|ทักทาย)", re.I)
_THANKS = re.compile(r"^(?:ขอบคุณ|ขอบใจ|ขอบคุน|thank|thx|ขอบพระคุณ)", re.I)
_ACK = frozenset({"ค่ะ", "คะ", "ครับ", "คับ", "จ้า", "จ้ะ", "ได้", "ได้ค่ะ", "รับทราบ", "ทราบแล้ว",
                  "เข้าใจแล้ว", "โอเค", "ok", "okay", "👍", "🙏", "อืม", "อ๋อ", "555"})  # fmt: skip


def _kind(ctx: Context) -> str | None:
    text = ctx.text.strip()
    if _GREETING.match(text):
        return "greeting"
    if _THANKS.match(text):
        return "thanks"
    said = command_of(text)
    if spoken(text) in _ACK or text in _ACK or (said is not None and said.name == "confirm"):
        return "ack"
    parsed = ctx.parsed()
    if parsed.negated:
        return "negated"
    if parsed.mood == "plan":
        return "plan"
    if parsed.mood == "question":
        return "question"
    return None


def is_social(ctx: Context) -> bool:
    return _kind(ctx) is not None


def matches(ctx: Context) -> str | None:
    if ctx.message.is_group and not ctx.message.addressed:
        return None  # people talk to each other in a group chat: the bot stays out of it
    return _kind(ctx)


async def answer(ctx: Context, kind: str) -> Reply:
    first = ctx.actor.name.split()[0] if ctx.actor and ctx.actor.name else ""
    if kind == "greeting":
        return reply(
            f"สวัสดีค่ะ{f'คุณ{first}' if first else ''} 😊 วันนี้มีอะไรให้ช่วยบันทึกไหมคะ พิมพ์ เมนู เพื่อดูตัวอย่างได้ค่ะ",
            MENU,
        )
    if kind == "thanks":
        return reply("ยินดีค่ะ 😊 มีอะไรให้ช่วยอีก พิมพ์มาได้เลยนะคะ", MENU, SUMMARY)
    if kind == "ack":
        return reply("ค่ะ 😊 พิมพ์ เมนู เมื่อต้องการบันทึกรายการนะคะ", MENU)
    if kind == "negated":
        return reply("รับทราบค่ะ วันนี้ยังไม่มีรายการให้บันทึก พิมพ์ เมนู เมื่อต้องการบันทึกนะคะ", MENU)
    if kind == "plan":
        return reply(
            "รับทราบค่ะ 😊 ยังไม่บันทึกนะคะ เมื่อทำเสร็จแล้วค่อยพิมพ์มาบอก เช่น ขายไข่เค็ม 30 ฟอง 300 บาท "
            "จะบันทึกให้ค่ะ",
            MENU,
        )
    from bot.handlers.help import example  # help imports the start handlers; keep this light

    return reply(
        f"บันทึกได้ด้วยการพิมพ์เล่าสั้น ๆ ค่ะ 😊 เช่น {await example(ctx)}\n"
        "พิมพ์ เมนู เพื่อดูวิธีบันทึกทุกแบบ หรือ สรุป เพื่อดูยอดเดือนนี้ค่ะ",
        MENU,
        SUMMARY,
    )
