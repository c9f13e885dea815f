"""The chat vocabulary: every command word and every button caption the bot shows, in one
table. A caption typed by hand does exactly what pressing its button does, with or without a
polite ending ("เมนูครับ", "ยกเลิกค่ะ"), because typed words and pressed buttons both go
through `command_of`. Words that carry a report ("ขาย…", "ประชุม…") are the parser's, not
this table's; words with an argument ("สรุปเดือน ก.ย.", "แก้ไข ยอดเงิน 250") have their own
prefix matchers in the router.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

from bot.messages import QuickReply


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    arg: str = ""  # for "start": the kind of report the guided flow is for


# Every guided report a button (or a slash command) can start, by the report's intent.
START = {
    "sale": ("บันทึกการขาย", "/sale"),
    "work": ("บันทึกงาน", "/work"),
    "activity": ("บันทึกกิจกรรม", "/activity"),
    "meeting": ("บันทึกการประชุม", "/meeting"),
    "monthly": ("ส่งตัวเลขเดือน", "/monthly"),
    "visit": ("บันทึกการเยี่ยม", "/visit"),
    "training": ("บันทึกการอบรม", "/training"),
    "income": ("บันทึกรายรับ", "/income"),
    "expense": ("บันทึกรายจ่าย", "/expense"),
}

# fmt: off
_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "help": ("เมนู", "เมนูหลัก", "ช่วยเหลือ", "วิธีใช้", "วิธีใช้งาน", "help", "/help", "/menu",
             "menu", "คำสั่ง", "ดูเมนู", "วิธีลงทะเบียน"),
    # ยกเลิก: inside an open question it ends the question; otherwise it undoes the record
    # of my immediately preceding message (anything older is shown and confirmed first).
    "undo": ("ยกเลิก", "cancel"),
    "undo_last": ("ยกเลิกรายการล่าสุด", "ยกเลิกล่าสุด", "ลบรายการล่าสุด", "ลบล่าสุด", "/undo",
                  "undo"),
    "cancel_flow": ("ยกเลิกที่ค้างไว้", "ยกเลิกที่ค้าง", "ยกเลิกรายการที่ค้าง", "/cancel",
                    "ไม่ทำต่อ"),
    "confirm": ("ยืนยัน", "ตกลง", "ใช่", "ok", "okay", "โอเค", "โอเคร", "yes", "/confirm",
                "ถูกต้อง", "ถูก", "ได้เลย", "ใช่แล้ว", "บันทึกเลย", "👍"),
    "decline": ("ไม่", "ไม่ใช่", "ไม่ยืนยัน", "no", "ไม่เอา", "ไม่ต้อง", "ไม่ถูก", "ผิด"),
    "summary": ("สรุป", "/report", "สรุปยอด", "ดูสรุป", "ดูยอด", "ยอดรวม", "รายงาน", "report",
                "สรุปเดือนนี้", "สรุปอำเภอ", "/district"),
    # An officer's visits due this week (the Monday digest, on demand).
    "visit_plan": ("แผนเยี่ยมสัปดาห์นี้", "/plan", "แผนเยี่ยม", "แผนการเยี่ยม", "ต้องเยี่ยมที่ไหน",
                   "แผนเยี่ยมอาทิตย์นี้"),
    "my_data": ("ข้อมูลของฉัน", "/mydata", "/privacy", "ความเป็นส่วนตัว", "ข้อมูลส่วนตัว"),
    "erase": ("ลบข้อมูลของฉัน", "/erase", "/forgetme"),
    "reminders_off": ("หยุดเตือน", "ปิดเตือน", "ไม่ต้องเตือน", "ปิดการเตือน", "ปิดการแจ้งเตือน",
                      "หยุดแจ้งเตือน", "/remindoff"),
    "reminders_snooze": ("เตือนพรุ่งนี้", "เตือนใหม่พรุ่งนี้", "พรุ่งนี้ค่อยเตือน",
                         "พรุ่งนี้เตือนใหม่", "/snooze"),
    "reminders_on": ("เปิดเตือน", "เปิดการเตือน", "เปิดการแจ้งเตือน", "เตือนต่อ", "กลับมาเตือน",
                     "/remindon"),
    "resume": ("ทำต่อ", "ต่อ", "ทำรายการต่อ", "/resume"),
    # Linking and identity (handlers/start.py, account.py, privacy.py).
    "agree": ("ยินยอม", "/agree"),
    "disagree": ("ไม่ยินยอม", "/decline"),
    "add_account": ("เพิ่มบัญชี", "เพิ่มบัญชีแชท", "/addaccount"),
    "sign_out_everywhere": ("ออกจากระบบทุกเครื่อง", "ออกจากระบบทั้งหมด", "/signout_all"),
    "confirm_erase": ("ยืนยันลบ", "ยืนยันการลบ", "/erase_yes"),
    "dashboard": ("แดชบอร์ด", "/dashboard", "dashboard"),
    # A province administrator's one line per district (bot/handlers/administrator.py).
    "province_summary": ("สรุปจังหวัด", "/province", "สรุปรายจังหวัด"),
}
# fmt: on

# Polite endings and what people add around a command; they never change its meaning.
POLITE_ENDINGS: Final = (
    "นะคะ", "นะครับ", "นะค่ะ", "นะจ๊ะ", "นะจ้ะ", "ด้วยค่ะ", "ด้วยครับ", "ด้วยคะ", "ครับผม", "คับผม",
    "ค่ะ", "คะ", "ค่า", "ค้า", "คร่ะ", "ครับ", "คับ", "ค้าบ", "คร้าบ", "จ้ะ", "จ้า", "จ๊ะ", "จ๊า", "ฮะ",
    "ฮ่ะ", "ฮับ", "นะ", "น้า", "เด้อ", "เน้อ", "หน่อย", "ด้วย", "อ่ะ",
)  # fmt: skip
_INVISIBLE: Final = re.compile(r"[\u200b-\u200f\u2060\ufeff]")
_BOT_NAME: Final = re.compile(r"^(/[a-z]+)@\w+", re.IGNORECASE)


def spoken(text: str) -> str:
    """The words of a message with case, spaces, a Telegram bot name ("/help@bot"), trailing
    punctuation and emoji and polite endings taken off: "เมนู ครับ" -> "เมนู", "ยกเลิกค่ะ 🙏"
    -> "ยกเลิก", "OK!" -> "ok". A message that is only a polite word ("ค่ะ", "👍") keeps it."""
    words = _BOT_NAME.sub(r"\1", _INVISIBLE.sub("", text).strip().lower())
    while True:
        trimmed = words.rstrip()
        while trimmed and unicodedata.category(trimmed[-1])[0] in "PSZ" and trimmed[-1] != "/":
            trimmed = trimmed[:-1].rstrip()
        trimmed = trimmed.removesuffix("ๆ").rstrip()
        for ending in POLITE_ENDINGS:
            if trimmed.endswith(ending) and len(trimmed) > len(ending):
                trimmed = trimmed[: -len(ending)]
                break
        if not trimmed or trimmed == words:
            break
        words = trimmed
    return "".join(words.split())


_TABLE: Final[dict[str, Command]] = {
    **{word: Command(name) for name, words in _WORDS.items() for word in words},
    **{
        "".join(word.split()).lower(): Command("start", intent)
        for intent, words in START.items()
        for word in words
    },
}


def command_of(text: str) -> Command | None:
    """The command a message is, typed or pressed, or None when it is not one."""
    if len(text) > 60:
        return None
    return _TABLE.get(spoken(text))


def is_word(text: str, name: str) -> bool:
    found = command_of(text)
    return found is not None and found.name == name


# --- the buttons (quick replies) the bot shows ------------------------------------------------


def button(label: str, sends: str = "") -> QuickReply:
    """A quick reply whose caption and message must mean the same command (checked by
    tests/conversations/test_vocabulary.py for every button listed here)."""
    return QuickReply(label, sends)


def start_button(intent: str) -> QuickReply:
    caption, slash = START[intent]
    return QuickReply(caption, slash)


MENU = button("เมนู")
SUMMARY = button("สรุป")
CANCEL = button("ยกเลิก")
CONFIRM = button("ยืนยัน")
NOT_SO = button("ไม่ใช่")
UNDO_LAST = button("ยกเลิกรายการล่าสุด")
CANCEL_FLOW = button("ยกเลิกที่ค้างไว้")
EDIT = button("แก้ไข")
RESUME = button("ทำต่อ")
SNOOZE = button("เตือนพรุ่งนี้")
REMINDERS_ON = button("เปิดเตือน")

# The captions of the rich menus (LINE) and command menus (Telegram): bot/menus.py lays them
# out per role. Each sends its own caption; those without a command of their own here go to
# the router's prefix rules (ส่งออก, ปันผล, โปสเตอร์, ครัวเรือนต้นแบบ).
HELP = button("ช่วยเหลือ")
HOW_TO_LINK = button("วิธีลงทะเบียน")
UNDO_LATEST = button("ยกเลิกล่าสุด")
MY_DATA = button("ข้อมูลของฉัน")
VISIT_PLAN = button("แผนเยี่ยมสัปดาห์นี้")
DISTRICT_SUMMARY = button("สรุปอำเภอ")
PROVINCE_SUMMARY = button("สรุปจังหวัด")
EXPORT = button("ส่งออก")
DASHBOARD = button("แดชบอร์ด")
DIVIDEND = button("ปันผล")
MODEL_HOUSEHOLDS = button("ครัวเรือนต้นแบบ")
POSTER = button("โปสเตอร์")
MENU_BUTTONS: Final[tuple[QuickReply, ...]] = (
    HELP, HOW_TO_LINK, UNDO_LATEST, MY_DATA, VISIT_PLAN, DISTRICT_SUMMARY, EXPORT, DASHBOARD,
    DIVIDEND, MODEL_HOUSEHOLDS, POSTER, PROVINCE_SUMMARY,
)  # fmt: skip

BUTTONS: Final[tuple[QuickReply, ...]] = (
    MENU, SUMMARY, CANCEL, CONFIRM, NOT_SO, UNDO_LAST, CANCEL_FLOW, EDIT, RESUME, SNOOZE,
    REMINDERS_ON,
    *(start_button(intent) for intent in START),
    *MENU_BUTTONS,
)  # fmt: skip
