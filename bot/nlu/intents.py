"""What kind of report a message is: keyword scoring over whole tokens, with typo tolerance.

Every keyword found adds its weight to one or more intents; the first keyword in the message
gets a bonus, because villagers lead with the verb ("ขายผักได้เงิน 200" is a sale, "ได้เงินขาย
ผัก 200" is household income, the account-book phrasing). Ties go to the intent whose first
keyword comes first. Command words (สรุป, ยกเลิก, เมนู...) only count fully at the start of a
message, so "ลงพื้นที่ช่วยเหลือกลุ่ม" is a visit, not a request for help.

Keywords must start at a token boundary (or right after a prefix newmm glues on, such as
การ/ที่/ผู้: "การประชุม", "ที่ประชุม"), so "ค่า" inside "มูลค่า" and "ยี่" inside "เยี่ยม" never
match. A few short keywords must also end on a token boundary ("ทำ" is not in "ทำนา").

A keyword directly negated ("ไม่ได้ขาย", "ห้ามขาย", "ยังไม่ได้ขาย", "งดประชุม", "ขายไม่ออก") does
not count; a message whose only keywords are negated is `unknown` with ``negated=True``.

Typos: when no keyword scores strongly, windows of one to three adjacent word tokens are
compared with the keywords of five or more characters at edit distance 1 ("ประชม" → ประชุม,
"เยี้ยม" → เยี่ยม, "ลงพื้นทื่" → ลงพื้นที่). Windows start where a word token starts and may end
inside one; a deletion-neighbourhood index makes each window a few dict look-ups.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Final, Literal

from bot.nlu.result import ActivityKind, Intent
from bot.nlu.tokens import Token, is_dictionary_word


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

_BY_TEXT: Final[dict[str, Keyword]] = {k.text: k for k in KEYWORDS}
_KEYWORD_RE: Final = re.compile(
    "|".join(re.escape(k.text) for k in sorted(KEYWORDS, key=lambda k: -len(k.text))),
    re.IGNORECASE,  # "Help", "UNDO"
)
# Prefixes newmm glues onto a keyword: "การประชุม", "ที่ประชุม", "ผู้ขาย", "มีมติ", "คำแนะนำ"...
_GLUED_PREFIXES: Final = ("การ", "ที่", "ผู้", "มี", "ความ", "นัก", "ไป", "มา")

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

_FIRST_BONUS: Final = 10
_MONTH_BONUS: Final = 10  # a month named without a day hints at monthly figures
_FUZZY_BELOW: Final = 30  # look for typos only when no defining keyword was found
_FUZZY_MIN_LENGTH: Final = 5
# Long compounds ("ได้เงินช่วยเหลือ") and weak hints are not guessed from typos: the shorter
# defining keyword inside them is, and each indexed keyword widens the windows tried.
_FUZZY_MAX_LENGTH: Final = 10
_FUZZY_MIN_WEIGHT: Final = 15
_TIE_ORDER: Final[tuple[Intent, ...]] = (
    "undo", "help", "report", "monthly", "sale", "income", "expense", "meeting",
    "training", "activity", "work", "visit",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Hit:
    keyword: Keyword
    start: int  # character offsets in the joined token text
    end: int
    negated: bool
    fuzzy: bool = False


@dataclass(frozen=True, slots=True)
class IntentChoice:
    intent: Intent
    negated: bool = False
    activity_kind: ActivityKind | None = None


def find_keywords(tokens: list[Token]) -> tuple[list[Token], list[Hit]]:
    """Keyword hits in ``tokens``; returns the tokens re-cut at hit edges, hits marked."""
    joined, starts = _joined(tokens)
    ends = {s + len(t.text) for s, t in zip(starts, tokens, strict=True)}
    hits: list[Hit] = []
    covered = 0
    for start, token in zip(starts, tokens, strict=True):
        if token.kind not in ("word", "latin") or start < covered:
            continue
        positions = [start]
        if token.text.startswith(_GLUED_PREFIXES):
            positions += [
                start + len(prefix)
                for prefix in _GLUED_PREFIXES
                if len(token.text) > len(prefix) and token.text.startswith(prefix)
            ]
        for position in positions:
            if position < covered:
                continue
            keyword = _longest_at(joined, position, ends)
            if keyword is None:
                continue
            end = position + len(keyword.text)
            negated = keyword.negative or _negated(joined, position, end)
            hits.append(Hit(keyword, position, end, negated))
            covered = end
    exact = hits
    hits = _drop_negating_commands(hits)
    if not hits or max(_raw_score(h) for h in hits) < _FUZZY_BELOW:
        # typos are looked for only when no keyword is strong (it costs ~30 µs), and never
        # over text a strong exact keyword already explains
        fuzzy = _fuzzy_hits(tokens, starts, joined, covered_by=exact)
        hits = [
            h
            for h in hits
            if not (_weak(h) and any(f.start < h.end and h.start < f.end for f in fuzzy))
        ]
        hits.extend(fuzzy)
        hits.sort(key=lambda h: h.start)
    if not hits:
        hits = _short_typo(tokens, starts)
    return _mark(tokens, starts, hits), hits


# Short defining verbs are too short for the typo index (one edit from many words), but a
# slip of one of them as the first word, followed by more words, is plain: "ขยไข่เค็ม 30 ฟอง".
_SHORT_VERBS: Final = ("ขาย", "ซื้อ", "จ่าย")


def _short_typo(tokens: list[Token], starts: list[int]) -> list[Hit]:
    first = next((i for i, t in enumerate(tokens) if t.kind != "space"), None)
    if first is None or first + 1 >= len(tokens):
        return []
    token = tokens[first]
    if token.kind != "word" or not 2 <= len(token.text) <= 4 or is_dictionary_word(token.text):
        return []
    if tokens[first + 1].kind != "word":
        return []
    for verb in _SHORT_VERBS:
        if within_one_edit(token.text, verb):
            return [
                Hit(_BY_TEXT[verb], starts[first], starts[first] + len(token.text), False, True)
            ]
    return []


def _drop_negating_commands(hits: list[Hit]) -> list[Hit]:
    """ "ยกเลิกประชุม" (meeting called off) is a negated meeting, not the undo command; with a
    space, "ยกเลิก ขายไข่ 30 ฟอง", it stays the command (undo that record)."""
    kept: list[Hit] = []
    for index, hit in enumerate(hits):
        following = hits[index + 1] if index + 1 < len(hits) else None
        glued_negation = following is not None and following.negated and following.start == hit.end
        if not (hit.keyword.command and glued_negation):
            kept.append(hit)
    return kept


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the numbers of the message say, for the few choices keywords cannot make alone."""

    quantity: bool = False  # a product quantity ("15 กิโล", "300 ฟอง")
    duration: bool = False  # hours, minutes or a clock range: work was timed
    days: bool = False  # a length in days ("ครึ่งวัน", "2 วัน")
    money: bool = False  # an amount of money
    roles: frozenset[str] = frozenset()  # the sender's roles, when known


_DURATION_BONUS: Final = 25  # "ห่อไข่เค็ม 3 ชม.": timed work without the word ทำงาน
_SALE_OVER_BOOTH: Final = 30  # "ออกบูธงาน OTOP ขายไข่เค็มได้ 3,200": money makes it a sale


def choose_intent(
    hits: list[Hit],
    slash: Intent | None,
    month_named: bool,
    evidence: Evidence | None = None,
) -> IntentChoice:
    """Pick the intent with the highest score (see the module docstring for the rules).

    A buyer as subject ("ลูกค้ามาซื้อ…") turns the buying and paying words after it into the
    sale they are for us; a weak production verb counts only with a quantity made; timed work
    leans to `work`; a fair or booth story with a sale and money is the sale.
    """
    evidence = evidence or Evidence()
    scores: dict[Intent, int] = {}
    first_seen: dict[Intent, int] = {}
    live = [
        h
        for h in hits
        if not h.negated
        and (evidence.quantity or not h.keyword.needs_quantity)
        and (evidence.duration or evidence.days or not h.keyword.needs_time)
    ]
    first_word = min((h.start for h in hits), default=0)
    buyer_at: int | None = None
    scored = 0
    for hit in live:
        if hit.keyword.buyer and buyer_at is None:
            buyer_at = hit.start
        for intent, weight in hit.keyword.scores:
            if intent == "unknown" or weight == 0:
                continue
            if buyer_at is not None and intent == "expense":
                intent = "sale"  # "ลูกค้ามาซื้อ", "ลูกค้าจ่ายมา", "ลูกค้าโอนค่าไข่"
            if hit.keyword.command and not _near_start(hit, first_word, live):
                weight //= 4
            if hit.fuzzy:
                weight = weight * 8 // 10
            if scored == 0:
                weight += _FIRST_BONUS
            if weight <= 0:
                continue
            scores[intent] = scores.get(intent, 0) + weight
            first_seen.setdefault(intent, hit.start)
        if any(i != "unknown" and w > 0 for i, w in hit.keyword.scores):
            scored += 1
    if month_named and "monthly" in scores:
        scores["monthly"] += _MONTH_BONUS
    if evidence.duration:
        scores["work"] = scores.get("work", 0) + _DURATION_BONUS
        first_seen.setdefault("work", 1 << 30)
    if slash is not None:
        return IntentChoice(slash, activity_kind=_kind(slash, live))
    if not scores:
        return IntentChoice("unknown", negated=any(h.negated for h in hits))
    best = _best(scores, first_seen)
    if best == "activity" and evidence.money and _defining(live, "sale"):
        scores["sale"] = scores.get("sale", 0) + _SALE_OVER_BOOTH
        best = _best(scores, first_seen)
    return IntentChoice(best, activity_kind=_kind(best, live))


def _best(scores: dict[Intent, int], first_seen: dict[Intent, int]) -> Intent:
    return max(
        scores,
        key=lambda i: (scores[i], -first_seen[i], -_TIE_ORDER.index(i) if i in _TIE_ORDER else 0),
    )


def _defining(hits: list[Hit], intent: Intent) -> bool:
    """Whether a defining keyword (weight ≥ 30) of ``intent`` is among ``hits``."""
    return any(i == intent and w >= 30 for h in hits for i, w in h.keyword.scores)


def _near_start(hit: Hit, first_word: int, live: list[Hit]) -> bool:
    """A command word counts fully when it is the first or second keyword of the message
    and starts within a few characters of the first one ("ขอดูสรุป", "สรุปเดือน ก.ย.")."""
    return hit.start - first_word <= 6 and live.index(hit) <= 1


def _kind(intent: Intent, hits: Iterable[Hit]) -> ActivityKind | None:
    if intent == "training":
        return "training"
    if intent != "activity":
        return None
    best: tuple[int, ActivityKind] | None = None
    for hit in hits:
        kind = hit.keyword.kind
        if kind is None:
            continue
        weight = max(w for _, w in hit.keyword.scores)
        if kind != "other" and (best is None or weight > best[0]):
            best = (weight, kind)
    return best[1] if best else "other"


def money_verb(piece: str) -> Literal["sale", "income", "expense", "buyer"] | None:
    """What a keyword token says about money: "sale", "income", "expense", "buyer" (a buyer as
    subject), or None. ``piece`` is a whole keyword or a piece of one cut at a token edge
    ("จ่าย" and "ค่า" of จ่ายค่า)."""
    keyword = _BY_TEXT.get(piece)
    if keyword is None:
        return None
    if keyword.buyer:
        return "buyer"
    intent = max(keyword.scores, key=lambda s: s[1])[0]
    if intent == "sale" or intent == "income" or intent == "expense":
        return intent
    return None


def _weak(hit: Hit) -> bool:
    """A live keyword too weak to rule out a typo of a longer one over it."""
    return not hit.negated and max(w for _, w in hit.keyword.scores) < 20


def _raw_score(hit: Hit) -> int:
    return 0 if hit.negated else max(w for _, w in hit.keyword.scores)


def _joined(tokens: list[Token]) -> tuple[str, list[int]]:
    starts: list[int] = []
    position = 0
    for token in tokens:
        starts.append(position)
        position += len(token.text)
    return "".join(t.text for t in tokens), starts


def _longest_at(joined: str, position: int, ends: set[int]) -> Keyword | None:
    """The longest keyword starting at ``position`` (one regex match: the alternation is
    ordered longest first), or None. A strict keyword must end on a token boundary."""
    match = _KEYWORD_RE.match(joined, position)
    if match is None:
        return None
    keyword = _BY_TEXT[match.group().lower()]
    if keyword.strict and match.end() not in ends:
        return None
    return keyword


def _negated(joined: str, start: int, end: int) -> bool:
    before = joined[max(0, start - 12) : start].rstrip()
    after = joined[end : end + 12].lstrip()
    return before.endswith(_NEGATION_BEFORE) or after.startswith(_NEGATION_AFTER)


def _mark(tokens: list[Token], starts: list[int], hits: list[Hit]) -> list[Token]:
    """Cut tokens at hit edges and mark the pieces inside a hit with role "keyword".

    Hits are sorted and do not overlap, so one forward pass over tokens and hits suffices.
    """
    if not hits:
        return tokens
    out: list[Token] = []
    spans = sorted((h.start, h.end) for h in hits)
    current = 0  # index of the first hit that may still touch the current token
    for start, token in zip(starts, tokens, strict=True):
        end = start + len(token.text)
        while current < len(spans) and spans[current][1] <= start:
            current += 1
        if current == len(spans) or spans[current][0] >= end or token.kind not in ("word", "latin"):
            out.append(token)  # no hit touches this token
            continue
        edges = {start, end}
        for hit_start, hit_end in spans[current:]:
            if hit_start >= end:
                break
            edges.update(e for e in (hit_start, hit_end) if start < e < end)
        ordered = sorted(edges)
        for left, right in pairwise(ordered):
            piece = (
                token
                if len(ordered) == 2
                else Token(token.kind, token.text[left - start : right - start])
            )
            if any(s <= left and right <= e for s, e in spans[current:]):
                piece.role = "keyword"
            out.append(piece)
    return out


# --- typo tolerance -------------------------------------------------------------------------


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _build_fuzzy_index() -> dict[str, set[str]]:
    index: dict[str, set[str]] = {}
    for keyword in KEYWORDS:
        text = keyword.text
        weight = max((w for i, w in keyword.scores if i != "unknown"), default=0)
        if (
            not _FUZZY_MIN_LENGTH <= len(text) <= _FUZZY_MAX_LENGTH
            or not text[0] >= "\u0e00"
            or keyword.negative
            or weight < _FUZZY_MIN_WEIGHT
        ):
            continue  # each indexed keyword costs windows on every message that has typos
        for variant in {text, *_deletions(text)}:
            index.setdefault(variant, set()).add(text)
    return index


_FUZZY_INDEX: Final = _build_fuzzy_index()
# Window lengths worth trying from a given first character, longest first: the lengths ± 1 of
# the indexed keywords that start with it, or with the character a one-letter slip at the
# start would leave ("ระชุม" for ประชุม is not caught; such slips are rare, and trying every
# length at every word costs ~30 µs).
_FUZZY_LENGTHS_BY_FIRST: Final[dict[str, tuple[int, ...]]] = {
    first: tuple(
        sorted(
            {
                len(k) + d
                for ks in _FUZZY_INDEX.values()
                for k in ks
                if first in (k[0], k[1:2])
                for d in (-1, 0, 1)
            },
            reverse=True,
        )
    )
    for first in {c for ks in _FUZZY_INDEX.values() for k in ks for c in k[:2]}
}
_FUZZY_MAX_TOKENS: Final = 80  # typo search only looks at the start of long messages


def _ends_inside_a_word(tokens: list[Token], starts: list[int], end: int) -> bool:
    for start, token in zip(starts, tokens, strict=True):
        if start < end < start + len(token.text):
            return token.kind == "word" and len(token.text) > 2 and is_dictionary_word(token.text)
    return False


def within_one_edit(a: str, b: str) -> bool:
    """Levenshtein distance ≤ 1 (insert, delete or substitute one character)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]


def _fuzzy_candidates(window: str) -> set[str]:
    found: set[str] = set()
    for variant in (window, *_deletions(window)):
        found |= _FUZZY_INDEX.get(variant, set())
    return {k for k in found if within_one_edit(window, k)}


def _fuzzy_hits(
    tokens: list[Token], starts: list[int], joined: str, covered_by: list[Hit]
) -> list[Hit]:
    """Typo hits: windows that start where a word token starts (typos rarely move the start
    of a word, but they do make newmm cut it elsewhere: "ลงพื้นทื่ติดตาม" → ลงพื้น/ทื่ติด/ตาม)."""
    # A weak exact keyword does not block a typo of a longer keyword that begins with it:
    # "ทำงาณ" is ทำงาน, not ทำ (but "สอนมา" is สอน, not a slip of โอนมา).
    weak = {(h.start, h.keyword.text) for h in covered_by if _weak(h)}
    taken = [(h.start, h.end) for h in covered_by if not _weak(h)]
    hits: list[Hit] = []
    first_word = next((starts[i] for i, t in enumerate(tokens) if t.kind != "space"), 0)
    for index in range(min(len(tokens), _FUZZY_MAX_TOKENS)):
        start = starts[index]
        if tokens[index].kind != "word" or any(s <= start < e for s, e in taken):
            continue
        for length in _FUZZY_LENGTHS_BY_FIRST.get(joined[start], ()):
            window = joined[start : start + length]
            if len(window) < length or " " in window or window in _BY_TEXT:
                continue
            candidates = _fuzzy_candidates(window)
            if candidates and _ends_inside_a_word(tokens, starts, start + length):
                # a window may end inside a token newmm cut oddly around the typo ("ทื่ติด"),
                # not inside a real word: "ขอบคุณที่ช่วยบันทึก" has ช่วยบัน, one from ช่วยกัน
                continue
            if start != first_word:
                # a command is guessed from a typo only where commands are typed, at the
                # start: "มีคนสั่งของ" has คนสั่ง, one letter from คำสั่ง
                candidates = {k for k in candidates if not _BY_TEXT[k].command}
            over = [text for at, text in weak if at == start]
            if over:
                candidates = {
                    k for k in candidates if any(k.startswith(t) and k != t for t in over)
                }
            if candidates:
                keyword = _BY_TEXT[min(candidates, key=lambda k: (-len(k), k))]
                end = start + length
                hits.append(Hit(keyword, start, end, _negated(joined, start, end), fuzzy=True))
                taken.append((start, end))
                break
    return hits
