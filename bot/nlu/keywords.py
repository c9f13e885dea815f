"""The keyword table: every word or phrase that says what kind of report a message is, its
weight for each intent, and what it needs to count (a quantity made, a length of time, the
start of the message); the slash commands; a hit and its negation.

A lexical table (long by nature: see docs/architecture.md, exceptions), kept apart from the
scoring in `intents` and the typo search in `typos`, so adding a word touches one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from bot.nlu.result import ActivityKind, Intent


@dataclass(frozen=True, slots=True)
class Keyword:
    text: str
    scores: tuple[tuple[Intent, int], ...]
    kind: ActivityKind | None = None  # for activity keywords: which kind of activity
    command: bool = False  # help/undo/report words: full weight only at the start
    # must end on a token boundary: "ทำ" is not in "ทำนา" (others may be glued: "ขายของ")
    strict: bool = False
    negative: bool = False  # the phrase itself says it did not happen: "ขายไม่ออก"
    # the buyer is the subject ("ลูกค้ามาซื้อ…", "แม่ค้ามารับ…"): what follows is our sale, so
    # the buying and paying words after it count for the sale, not for an expense
    buyer: bool = False
    # a weak production verb ("เก็บ", "ทำ") that makes an activity only with a quantity made:
    # "เก็บเห็ดได้ 15 กิโล" is a harvest, "เก็บผักกินเอง" is not a record
    needs_quantity: bool = False
    # a verb that is work only when the message says how long: "ช่วยคัดไข่ 90 นาที",
    # "ช่วยดองไข่ครึ่งวัน" (but "ขอบคุณที่ช่วยบันทึกให้" is thanks)
    needs_time: bool = False


def _kw(text: str, intent: Intent, weight: int, kind: ActivityKind | None = None) -> Keyword:
    return Keyword(text, ((intent, weight),), kind)


def _strict(text: str, intent: Intent, weight: int, kind: ActivityKind | None = None) -> Keyword:
    return Keyword(text, ((intent, weight),), kind, strict=True)


def _not(text: str, intent: Intent) -> Keyword:
    return Keyword(text, ((intent, 20),), negative=True)


def _cmd(text: str, intent: Intent, weight: int = 40) -> Keyword:
    return Keyword(text, ((intent, weight),), command=True)


def _buyer(text: str) -> Keyword:
    return Keyword(text, (("sale", 0),), buyer=True)  # scores nothing itself


def _made(text: str, weight: int, strict: bool = False) -> Keyword:
    return Keyword(text, (("activity", weight),), "production", strict=strict, needs_quantity=True)


def _none(text: str) -> Keyword:
    """A phrase that contains a keyword but reports nothing: "ขายดี" (selling well),
    "ฝากขาย" (left to be sold): it takes the keyword's place and scores nothing."""
    return Keyword(text, (("unknown", 0),))


# Weights: 30 a defining word, 20 a strong hint, 10 or less a weak hint.
KEYWORDS: Final[tuple[Keyword, ...]] = (
    # sale
    _kw("ขาย", "sale", 30),
    _kw("ยอดขาย", "sale", 30),
    _kw("ขายได้", "sale", 30),
    _none("ขายดี"),  # "ขายดีมากช่วงนี้": selling well is not a sale
    _none("ขายได้ดี"),
    _none("ฝากขาย"),  # consignment: nothing sold yet
    _kw("ขายหมด", "sale", 20),
    _kw("ขายเชื่อ", "sale", 30),  # sold on credit
    _kw("ขายส่ง", "sale", 20),
    _kw("ขายปลีก", "sale", 20),
    _kw("ค้าขาย", "sale", 20),
    _kw("จำหน่าย", "sale", 20),
    _kw("ออเดอร์", "sale", 10),
    # the buyer as subject: "ลูกค้ามาซื้อ…จ่ายมา 250", "แม่ค้ามารับไข่…ให้ 900 บาท"
    _buyer("ลูกค้า"),
    _buyer("แม่ค้า"),
    _buyer("พ่อค้า"),
    _buyer("ผู้ซื้อ"),
    _buyer("คนซื้อ"),
    _kw("มาซื้อ", "sale", 25),  # someone came to buy from us
    _kw("โอนมา", "sale", 20),  # a paid order: "ลูกค้าสั่งผ้าไหม โอนมาแล้ว 500"
    _kw("จ่ายมา", "sale", 15),
    _kw("โอนให้", "expense", 20),  # "โอนเงินให้ลูก 1,000": money out
    _kw("โอนเงินให้", "expense", 20),
    _kw("มารับ", "sale", 5),  # a trader picking the goods up
    _kw("ได้ตังค์", "sale", 20),
    _not("ขายไม่ออก", "sale"),
    _not("ขายไม่ได้", "sale"),
    _kw("ขายหน้า", "unknown", 0),  # "to be embarrassed", not a sale
    # household income (account book)
    _kw("ได้เงิน", "income", 30),
    _kw("ได้รับเงิน", "income", 30),
    _kw("รับเงิน", "income", 30),
    _kw("รายได้", "income", 30),
    _kw("ค่าแรง", "income", 25),
    _kw("ค่าจ้าง", "income", 25),
    _kw("รับจ้าง", "income", 25),
    _kw("เงินเดือน", "income", 25),
    _kw("เงินปันผล", "income", 25),
    _kw("ปันผล", "income", 20),
    _kw("เบี้ยยังชีพ", "income", 25),
    _kw("เบี้ย", "income", 20),  # เบี้ยผู้สูงอายุ, เบี้ยคนพิการ
    # "ได้เงิน" would take the first half of เงินเดือน/เงินปันผล/เงินช่วยเหลือ
    _kw("ได้เงินเดือน", "income", 30),
    _kw("ได้เงินปันผล", "income", 30),
    _kw("ได้เงินช่วยเหลือ", "income", 30),
    _kw("เงินช่วยเหลือ", "income", 25),
    _kw("เงินสนับสนุน", "income", 25),
    _kw("เงินชดเชย", "income", 25),
    _kw("เงินอุดหนุน", "income", 25),
    _kw("ส่งเงิน", "income", 25),  # "ลูกส่งเงินมาให้ 2,000"
    _kw("โอนเงินมาให้", "income", 25),
    # household expense (account book)
    _kw("จ่าย", "expense", 20),
    _kw("จ่ายค่า", "expense", 30),
    _kw("ซื้อ", "expense", 20),
    _kw("ค่า", "expense", 15),
    _kw("ค่าใช้จ่าย", "expense", 30),
    _kw("ลงทุน", "expense", 20),
    _kw("ชำระ", "expense", 20),
    _kw("ผ่อน", "expense", 15),
    _kw("ทำบุญ", "expense", 20),  # a household's merit-making: money out
    # meeting
    _kw("ประชุม", "meeting", 30),
    _kw("ประชาคม", "meeting", 25),
    _kw("สมาชิกมา", "meeting", 20),
    _kw("ผู้เข้าร่วม", "meeting", 20),
    _kw("เข้าร่วม", "meeting", 10),
    _kw("สมาชิกทั้งหมด", "meeting", 10),  # the roll count of minutes: "สมาชิกทั้งหมด 25 คน มา 18"
    _kw("วาระ", "meeting", 10),
    _kw("มติ", "meeting", 10),
    # work
    _kw("ทำงาน", "work", 30),
    _kw("ช่วยงาน", "work", 30),
    _kw("ลงแรง", "work", 20),
    _kw("ให้อาหาร", "work", 15),
    _kw("ชั่วโมง", "work", 10),
    _kw("ผลิต", "work", 20),
    # "ทำไข่เค็ม 100 ฟอง": work measured in units made (needs the quantity; "ทำนา" is a word)
    Keyword("ทำ", (("work", 10),), strict=True, needs_quantity=True),
    # "ช่วยคัดไข่", "มาช่วยล้างไข่": helping is work ("ช่วยกัน", together, is an activity)
    Keyword("ช่วย", (("work", 15),), strict=True, needs_time=True),
    # "นายบุญมีมาช่วยล้างไข่": came to help is work; a bare "ช่วย…" is often "please"
    _kw("มาช่วย", "work", 15),
    # activity
    _kw("กิจกรรม", "activity", 15, "other"),
    _kw("ปลูก", "activity", 20, "production"),
    _kw("แปรรูป", "activity", 25, "production"),
    _kw("เพาะ", "activity", 20, "production"),
    _kw("เลี้ยง", "activity", 15, "production"),
    _kw("ศึกษาดูงาน", "activity", 30, "study_visit"),
    _kw("ดูงาน", "activity", 25, "study_visit"),
    _kw("ฝึกปฏิบัติ", "activity", 30, "practice"),
    _kw("ลงมือทำ", "activity", 20, "practice"),
    _kw("สาธิต", "activity", 20, "practice"),
    _strict("ฝึก", "activity", 15, "practice"),
    _kw("การตลาด", "activity", 20, "marketing"),
    _kw("ออกบูธ", "activity", 30, "marketing"),
    _kw("ออกร้าน", "activity", 25, "marketing"),
    _kw("ตลาดนัด", "activity", 10, "marketing"),
    _kw("ประชาสัมพันธ์", "activity", 15, "marketing"),
    _kw("ไลฟ์สด", "activity", 15, "marketing"),
    _kw("ตลาดออนไลน์", "activity", 25, "marketing"),
    _kw("ทำตลาด", "activity", 20, "marketing"),
    _kw("ลงเพจ", "activity", 15, "marketing"),
    _kw("ถ่ายรูปสินค้า", "activity", 15, "marketing"),
    # a new batch of the group's product: "ทำไข่เค็มล็อตใหม่ 300 ฟอง"
    _kw("ล็อต", "activity", 25, "production"),
    _kw("ล็อตใหม่", "activity", 25, "production"),
    _kw("ย้อม", "activity", 20, "production"),
    _kw("ปล่อย", "activity", 20, "production"),  # ปล่อยลูกกบ, ปล่อยปลา: stocking
    _kw("เก็บเกี่ยว", "activity", 20, "production"),
    _kw("บรรจุภัณฑ์", "activity", 20, "production"),
    _kw("ติดฉลาก", "activity", 15, "production"),
    _kw("จัดทำ", "activity", 10, "production"),
    _made("เก็บ", 15),
    _kw("ทำความสะอาด", "activity", 20),
    _kw("ร่วมกัน", "activity", 20),
    _kw("ช่วยกัน", "activity", 15),
    _kw("ทั้งกลุ่ม", "activity", 15),
    # members went to someone else's training: a group activity, not a trainer's session
    _kw("ไปอบรม", "activity", 35, "training"),
    _kw("ไปเข้าอบรม", "activity", 35, "training"),
    # training (a trainer training households)
    _kw("อบรม", "training", 30, "training"),
    _kw("ฝึกอบรม", "training", 30, "training"),
    _kw("ฝึกอาชีพ", "training", 30, "training"),
    _kw("สอน", "training", 20, "training"),
    _kw("ถ่ายทอด", "training", 20, "training"),
    _kw("ให้ความรู้", "training", 20, "training"),
    _kw("วิทยากร", "training", 10, "training"),
    # treasurer's monthly figures; รายรับ/รายจ่าย alone can also be a household line
    Keyword("รายรับ", (("monthly", 15), ("income", 15))),
    Keyword("รายจ่าย", (("monthly", 15), ("expense", 15))),
    _kw("ยอดเดือน", "monthly", 30),
    _kw("ยอด", "monthly", 10),  # "ยอดเดือนนี้": the date scan takes "เดือนนี้" away first
    _kw("ประจำเดือน", "monthly", 20),
    _kw("เงินคงเหลือ", "monthly", 30),
    _kw("ยอดคงเหลือ", "monthly", 30),
    _kw("คงเหลือ", "monthly", 20),
    _kw("ยอดยกมา", "monthly", 20),
    _kw("รายงานการเงิน", "monthly", 30),
    _kw("งบการเงิน", "monthly", 30),
    # officer visit
    _kw("เยี่ยม", "visit", 30),
    _kw("เยี่ยมเยียน", "visit", 30),
    _kw("ลงพื้นที่", "visit", 30),
    _kw("ติดตาม", "visit", 20),
    _kw("นิเทศ", "visit", 20),
    _kw("แนะนำ", "visit", 10),
    _kw("คำแนะนำ", "visit", 15),
    _kw("ข้อเสนอแนะ", "visit", 15),
    # commands
    _cmd("เมนู", "help"),
    _cmd("ช่วยเหลือ", "help"),
    _cmd("วิธีใช้", "help"),
    _cmd("ใช้ยังไง", "help", 30),
    _cmd("ใช้งานยังไง", "help", 30),
    _cmd("คำสั่ง", "help", 30),
    _cmd("help", "help"),
    _cmd("ยกเลิก", "undo"),
    _cmd("ลบรายการ", "undo"),
    _cmd("ลบล่าสุด", "undo"),
    _cmd("undo", "undo"),
    _cmd("สรุป", "report"),
    _cmd("ยอดรวม", "report", 30),
    _cmd("ดูยอด", "report", 30),
    _cmd("รายงาน", "report", 20),
    _cmd("report", "report"),
)

BY_TEXT: Final[dict[str, Keyword]] = {k.text: k for k in KEYWORDS}
_NEGATION_BEFORE: Final = (
    "ไม่", "ไม่ได้", "ห้าม", "งด", "ไม่มี", "ไม่มีการ", "อย่า", "ยังไม่", "ไม่ได้ไป", "ไม่ไป",
    "ยกเลิก", "ไม่มีใครมา", "ไม่มีคนมา", "ไม่มีใครมาร่วม",
)  # fmt: skip
_NEGATION_AFTER: Final = ("ไม่ได้", "ไม่ออก", "ไม่เป็น", "ยกเลิก", "เลื่อน", "งด")

SLASH_COMMANDS: Final[dict[str, Intent]] = {
    "sale": "sale",
    "sell": "sale",
    "income": "income",
    "expense": "expense",
    "meeting": "meeting",
    "work": "work",
    "activity": "activity",
    "training": "training",
    "monthly": "monthly",
    "visit": "visit",
    "report": "report",
    "undo": "undo",
    "help": "help",
    "menu": "help",
}


@dataclass(frozen=True, slots=True)
class Hit:
    keyword: Keyword
    start: int  # character offsets in the joined token text
    end: int
    negated: bool
    fuzzy: bool = False


def negated_at(joined: str, start: int, end: int) -> bool:
    before = joined[max(0, start - 12) : start].rstrip()
    after = joined[end : end + 12].lstrip()
    return before.endswith(_NEGATION_BEFORE) or after.startswith(_NEGATION_AFTER)


def is_weak(hit: Hit) -> bool:
    """A live keyword too weak to rule out a typo of a longer one over it."""
    return not hit.negated and max(w for _, w in hit.keyword.scores) < 20


def money_verb(piece: str) -> Literal["sale", "income", "expense", "buyer"] | None:
    """What a keyword token says about money: "sale", "income", "expense", "buyer" (a buyer as
    subject), or None. ``piece`` is a whole keyword or a piece of one cut at a token edge
    ("จ่าย" and "ค่า" of จ่ายค่า)."""
    keyword = BY_TEXT.get(piece)
    if keyword is None:
        return None
    if keyword.buyer:
        return "buyer"
    intent = max(keyword.scores, key=lambda s: s[1])[0]
    if intent == "sale" or intent == "income" or intent == "expense":
        return intent
    return None
