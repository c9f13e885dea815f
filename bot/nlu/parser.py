"""`parse`: one chat message in, one `Parsed` out. Ties the stages together:

normalize → slash command → dates (regexes, blanked) → tokens (newmm) → keywords → number
roles → mood (report, plan, question) → intent → fields for that intent → item / topics /
person / names → checks (dates ahead, plausibility, every number accounted for).

The parser never guesses: what it read but could not resolve goes into ``ambiguous`` with one
of these codes, in this order:

- ``amount``    a sale/income/expense with a quantity but no price; several candidate totals;
                a total that disagrees with quantity × unit price; money out of range
                (negative or > 10,000,000 baht, also for a unit price); a unit price
                implausible for its unit (hundreds of baht for one egg); an account-book line
                above 20,000 baht; a monthly report with an extra number that has no label
- ``quantity``  several quantities; a quantity > 1,000,000; a unit price with no quantity
- ``number``    a number that cannot be read ("ร้อยห้า", "สองสาม") or is approximate ("พันกว่า"),
                or a number the report does not account for
- ``unit``      a count word the parser does not know, read as a unit ("๒ ไห ไหละ ๓๐๐": quantity
                2 ไห, unit price 300, amount 600, and "ไห เป็นหน่วยนับใช่ไหมคะ" is asked)
- ``date``      an impossible, vague or future date ("31 ก.พ.", "เมื่อวันก่อน", "อาทิตย์ที่แล้ว",
                "เดือนก่อน" for a record that needs a day, "พรุ่งนี้ขาย…"); ``date`` is then null
- ``month``     an impossible month ("เดือน 13"), or monthly figures for a month that has not
                ended (more than a week to go) or not started; ``month`` is then null
- ``item``      several products in one sale without a price each ("ไข่เค็มกับน้ำพริก 1,850")
- ``income``, ``expenses``  monthly figures given as numbers without a label, twice with
                different values, or implausibly large (> 1,000,000 a month); ``balance``
                likewise for a doubly stated balance
- ``attendees`` several different head counts, or an implausible one (> 100 at a meeting or
                training)
- ``hours``     several durations that cannot be added up, more than 24 hours in one report,
                a work report in days only ("ทั้งวัน", "2 วัน": how many hours?), a clock range
                that ends before it starts

A report is saved at once only when every number in it is accounted for: each number of a
sale, account-book line, work or monthly report goes into a field (or is understood as
something no field holds: a group's size, an absentee count, a training's length in days);
otherwise the result asks. Numbers in meeting, training, activity and visit reports that no
field takes stay in ``topics``, as typed.

Absence is not ambiguity: "ขายผัก" has amount null and no code; the handler asks for what it
needs. Which fields are filled per intent is documented on `parse`.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import pairwise
from typing import Final

from bot.nlu import lexicon, money, mood, units
from bot.nlu.dates import DateScan, scan_dates
from bot.nlu.figures import Label, Mention, find_mentions
from bot.nlu.intents import (
    SLASH_COMMANDS,
    Evidence,
    Hit,
    IntentChoice,
    choose_intent,
    find_keywords,
    money_verb,
)
from bot.nlu.normalize import normalize_text
from bot.nlu.result import Intent, Mood, Parsed, SaleLine
from bot.nlu.tokens import Token, tokenize

_SLASH: Final = re.compile(r"/(?P<name>[A-Za-z]+)(?:@\w+)?(?![A-Za-z])\s*")

_MONEY_INTENTS: Final[frozenset[Intent]] = frozenset({"sale", "income", "expense"})
_ITEM_INTENTS: Final[frozenset[Intent]] = frozenset(
    {"sale", "income", "expense", "work", "activity"}
)
_PEOPLE_INTENTS: Final[frozenset[Intent]] = frozenset(
    {"meeting", "training", "activity", "visit", "unknown"}
)
_TOPIC_INTENTS: Final[frozenset[Intent]] = frozenset({"meeting", "training", "visit", "activity"})
_NO_FIGURES: Final[frozenset[Intent]] = frozenset({"help", "undo", "report"})
_RECORD_INTENTS: Final[frozenset[Intent]] = frozenset(
    {"sale", "income", "expense", "meeting", "work", "activity", "training", "monthly", "visit"}
)
# Reports whose every number must go into a field (the others keep spare numbers in topics).
_COUNTED_INTENTS: Final[frozenset[Intent]] = frozenset(
    {"sale", "income", "expense", "work", "monthly"}
)

# Words that end an item ("ขายผักที่ตลาด" → ผัก) and are never part of one.
# fmt: off
_ITEM_STOPWORDS: Final = frozenset(
    {
        "ได้", "ไป", "มา", "ที่", "ให้", "แล้ว", "จำนวน", "ราคา", "รวม", "เป็น", "เงิน", "ละ", "และ",
        "กับ", "ของ", "จาก", "ไว้", "อีก", "ก็", "ทั้งหมด", "ประมาณ", "เกือบ", "ราว", "ราวๆ", "การ",
        "แต่", "หมด", "มี", "อยู่", "คือ", "นี้", "นั้น", "เอง", "ด้วย", "บ้าง", "หน่อย", "เลย", "ทุก",
        "เมื่อ", "ตอน", "ช่วง", "วัน", "เวลา", "ทั้ง", "ไม่", "ยัง", "จะ", "ครั้ง", "ขอ", "ดู", "ช่วย",
        "ใน", "ต่อ", "โดย", "ครึ่ง", "กว่า", "เศษ", "ราคาถูก", "ละก็", "ไว้ขาย", "ใช้", "สั่ง",
        "สั่งซื้อ", "กลุ่ม", "สมาชิก", "ทั้งวัน", "รวมกัน", "งวด", "ถ้วน", "ส่ง", "แถว", "ถึง",
        "เพื่อ", "สำหรับ", "แก่", "ใช้เวลา", "ใหม่", "โอน", "รับ", "จ่าย", "บันทึก", "แก้ไข", "เพิ่ม", "เลยค่ะ", "นะ", "แค่",
    }
)
# fmt: on
_TOPIC_MARKERS: Final = frozenset({"เรื่อง", "หัวข้อ", "ประเด็น"})
_TRIM: Final = " :;,.-–=/"
# Words that open a note without adding to it: "ไปเยี่ยมบ้าน..." → "บ้าน...".
_LEADING_FILLER: Final = re.compile(r"^(?:(?:ไป|ได้|มา|ที่|และ|โดย|ให้|ก็)\s?)+")
# ...and close it: "ไปเยี่ยมครัวเรือนมาแล้ว" → "ครัวเรือน".
_TRAILING_FILLER: Final = re.compile(r"(?:\s?(?:มาแล้ว|มา|แล้ว|เลย|ด้วย))+$")
# A visit note that names nobody and nothing ("ไปเยี่ยมครัวเรือนมาค่ะ"): which household?
_EMPTY_NOTES: Final = frozenset({"ครัวเรือน", "บ้าน", "กลุ่ม", "สมาชิก", "มา", "แล้ว", "มาแล้ว"})
_AMBIGUITY_ORDER: Final = (
    "amount", "quantity", "number", "unit", "date", "month", "item",
    "income", "expenses", "balance", "attendees", "hours",
)  # fmt: skip

_ACCOUNT_BOOK_MAX: Final = Decimal(20_000)  # one household account-book line
_MONTHLY_MAX: Final = Decimal(1_000_000)  # a community group's income or expenses in a month
_MAX_HOURS_A_REPORT: Final = Decimal(24)
_MAX_PEOPLE_AT_A_SESSION: Final = 100  # a group meeting or a training
_MONTH_CLOSES_DAYS: Final = 7  # the month's figures may come in its last week
_HOURS_A_DAY: Final = Decimal(8)  # what units.DAY holds: one day mentioned


@dataclass(slots=True)
class _Draft:
    """Mutable fields while assembling; frozen into `Parsed` at the end."""

    ambiguous: list[str] = field(default_factory=list)
    item: str | None = None
    quantity: Decimal | None = None
    unit: str | None = None
    unit_price: Decimal | None = None
    amount: Decimal | None = None
    income: Decimal | None = None
    expenses: Decimal | None = None
    balance: Decimal | None = None
    attendees: int | None = None
    hours: Decimal | None = None
    topics: str | None = None
    person: str | None = None
    items: tuple[SaleLine, ...] = ()
    names: tuple[str, ...] = ()
    unknown_unit: bool = False

    def ask(self, *codes: str) -> None:
        self.ambiguous.extend(codes)


def parse(text: str, today: date, roles: Iterable[str] = frozenset()) -> Parsed:
    """Understand one message, relative to ``today`` (the message's date in Asia/Bangkok).

    ``roles`` are the sender's roles (member, chair, treasurer, officer, trainer, household),
    when known: the same words mean different things from different people (a treasurer's
    "ยอดขายทั้งเดือน… ต้นทุน…" or "รับ… จ่าย…" is the month's figures; a household's "รายรับ 300"
    is a line of its own account book; a trainer's hands-on session is a training). Without
    roles the message is read as anyone's.

    ``mood`` says whether the message reports, plans ("พรุ่งนี้จะเอาไข่เค็มไปขาย") or asks
    ("บันทึกยอดขายยังไงคะ"). Plans and questions record nothing: their intent is ``help`` (how to
    use the bot), ``report`` (asking for a total or a summary) or ``unknown``, with only date and
    month filled.

    Fields filled, by intent (``date``/``month`` always when the text names them):

    - sale, income, expense: item, quantity, unit, unit_price, amount (a lone number without
      unit is the amount: "ขายผัก 200"); several products each with its own figures →
      ``items`` (one `SaleLine` each) and the single fields empty
    - work: item, quantity, unit, hours ("3 ชม.", "3 ชม. ครึ่ง", "ตั้งแต่ 8 โมงถึงเที่ยง",
      "เช้า 2 ชม. บ่าย 3 ชม." = 5), amount if money
    - activity: activity_kind, item, quantity, unit, attendees, amount if money, topics
    - training: attendees (a count, or how many are named), names, hours, topics
    - meeting: attendees ("มา 12 คน", "สมาชิกมา 15 คน", "ผู้ชาย 5 ผู้หญิง 11" = 16), hours,
      topics (after "เรื่อง" if given)
    - monthly: income, expenses (lines under a label are added up: "รายจ่าย ค่าไข่ 3,000 ค่าดิน
      500"), balance ("คงเหลือ"/"เหลือ", only when stated: a treasurer's balance is cash on
      hand, not income − expenses), month (null if not named)
    - visit: attendees, topics (the notes as typed, numbers included)
    - report: month / date if named; help, undo: nothing else
    - unknown: the numbers it carries (an answer such as "300" or "12 คน" to a question the
      bot asked); a negated report ("ไม่ได้ขาย") is unknown with ``negated=True`` and no figures
    - person: whose report it is when it names someone: after a title (นาย นาง น.ส. คุณ ลุง ป้า
      น้า พี่ ยาย ตา แม่ พ่อ: "ป้าประไพช่วยงาน"), after "แทน" ("ขายแทนสมศรี"), or a name before
      the work verb ("สมศรีทำงาน 3 ชม."); the title is dropped
    """
    if isinstance(today, datetime):
        today = today.date()  # a datetime does not compare with dates
    who = frozenset(roles)
    clean = normalize_text(text)
    slash, body = _slash_command(clean)
    scan = scan_dates(body, today)
    tokens, hits = find_keywords(tokenize(scan.text))
    mentions = find_mentions(tokens, scan.text)
    typed = [m for m in mentions if not m.synthetic]
    if slash is None:
        plan_at = mood.plan_start(tokens, scan.text)
        early = _plan_or_question(tokens, hits, mentions, scan, clean, plan_at)
        if early is not None:
            return early
        if plan_at is not None:
            # keywords after a plan word belong to the plan ("ขายได้ 500 บาท จะเอาไปซื้อปุ๋ย":
            # the sale counts, the purchase is a plan)
            hits = [h for h in hits if h.end <= plan_at]
    choice = choose_intent(
        hits, slash, month_named=scan.month is not None, evidence=_evidence(mentions, scan, who)
    )
    words = {t.text for t in tokens if t.kind == "word"}
    choice = _by_role_and_shape(choice, tokens, mentions, who, scan, words)
    intent = choice.intent
    if intent in ("help", "undo") or choice.negated:
        return _freeze(choice, _Draft(), clean, None, None)  # nothing to record, nothing to ask
    draft = _Draft(ambiguous=list(scan.ambiguous))
    day, month = scan.date, scan.month
    if intent not in _NO_FIGURES:
        if intent != "training" and (intent == "work" or words & _NAMES_FOLLOW):
            draft.person = _person(tokens, hits, intent)  # before the item: "ขายแทนสมศรี"
        _fill_figures(intent, tokens, hits, choice, mentions, scan, draft, who)
        if _NEGATIVE.search(scan.text) and not (intent == "monthly" and "คงเหลือ" in scan.text):
            _ask_instead_of_negatives(draft)
        if intent in _ITEM_INTENTS and not draft.items and draft.item is None:
            draft.item = _item(tokens, hits, choice, intent)
        if intent in _TOPIC_INTENTS:
            draft.topics = _topics(tokens, hits, intent, mentions)
        day, month = _check_dates(intent, scan, today, draft)
        if intent in _COUNTED_INTENTS:
            _account_for_every_number(intent, mentions, draft)
    elif any(m.unclear or m.approx for m in typed):
        draft.ask("number")
    return _freeze(choice, draft, clean, day, month)


# --- mood ------------------------------------------------------------------------------------


def _plan_or_question(
    tokens: list[Token],
    hits: list[Hit],
    mentions: list[Mention],
    scan: DateScan,
    clean: str,
    plan_at: int | None,
) -> Parsed | None:
    """The `Parsed` of a question or a plan, or None for a report."""
    figures = any(not m.synthetic for m in mentions)
    if mood.is_question(tokens, figures, scan.text):
        command = choose_intent(hits, None, month_named=False).intent
        return _mood_only(mood.question_intent(tokens, command), "question", clean, scan)
    if plan_at is not None:
        before = [h for h in hits if h.end <= plan_at]
        starts = mood.offsets(tokens)
        figures_before = any(starts[m.index] < plan_at for m in mentions if not m.synthetic)
        intent = choose_intent(before, None, month_named=False).intent
        if intent in ("help", "undo", "report"):
            return None
        if intent not in _RECORD_INTENTS or not figures_before:
            return _mood_only("unknown", "plan", clean, scan)
        return None
    if scan.future and not figures and hits:
        return _mood_only("unknown", "plan", clean, scan)
    return None


def _mood_only(intent: Intent, said: Mood, clean: str, scan: DateScan) -> Parsed:
    return Parsed(intent=intent, date=scan.date, month=scan.month, mood=said, text=clean)


# --- intent by the shape of the figures and the sender's role ---------------------------------

_IN_WORDS: Final = frozenset({"รายรับ", "รับ", "เงินเข้า", "รายได้", "รับมา", "รายรับรวม", "รายได้รวม"})
_OUT_WORDS: Final = frozenset(
    {"รายจ่าย", "จ่าย", "เงินออก", "ค่าใช้จ่าย", "ต้นทุน", "จ่ายไป", "ออก", "จ่ายออก"}
)
_FORMAL_IN_OUT: Final = frozenset(
    {"รายรับ", "รายจ่าย", "รายได้", "ค่าใช้จ่าย", "เงินเข้า", "เงินออก", "รายรับรวม"}
)


def _by_role_and_shape(
    choice: IntentChoice,
    tokens: list[Token],
    mentions: list[Mention],
    roles: frozenset[str],
    scan: DateScan,
    words: set[str],
) -> IntentChoice:
    intent = choice.intent
    if choice.negated or intent in ("help", "undo"):
        return choice
    treasurer = "treasurer" in roles
    household = "household" in roles and not treasurer
    cash = [m for m in mentions if m.kind in ("money", "bare")]
    if not cash and not roles:
        return choice
    if not roles and not words & _MONEY_SHAPE_WORDS and not any(m.labels for m in cash):
        return choice  # no word of money in or out: a plain sale, meeting, visit...
    # money in and money out, each with a figure: by its label ("รับ 12,000") or as a line
    # under one ("รับ: ขายไข่เค็ม 8,000 + ขายน้ำพริก 1,200")
    sections = _sections(tokens) if cash and words & _SECTION_WORDS else [None] * len(tokens)
    money_in = money_out = False
    for mention in cash:
        labels = mention.labels
        field_name = (
            "income"
            if "income" in labels or (treasurer and "sales" in labels)
            else "expenses"
            if "expenses" in labels
            else None
            if labels
            else _line_kind(tokens, mention.index) or sections[mention.index]
        )
        money_in = money_in or field_name == "income"
        money_out = money_out or field_name == "expenses"
    formal = bool(words & _FORMAL_IN_OUT) or any(
        m.labels & {"income", "expenses"} and not m.synthetic for m in mentions
    )
    if (
        intent != "monthly"
        and money_in
        and money_out
        and not household
        and (treasurer or formal or scan.month is not None)
    ):
        # "สรุปเดือน ต.ค. รับ 10,000 จ่าย 2,500": figures, not a request for a summary
        return IntentChoice("monthly")
    if intent == "report":
        return choice
    if treasurer and intent != "monthly" and (money_in or money_out) and words & _FORMAL_IN_OUT:
        return IntentChoice("monthly")  # "รายจ่าย ต.ค. ค่าไข่ 2,000 ค่ากล่อง 300": half a month
    if household and intent in ("monthly", "sale") and not (money_in and money_out):
        # a household's "รายรับ 300 ขายผัก" is a line of its own account book
        if words & {"รายรับ", "รายได้"} and not words & {"รายจ่าย", "ค่าใช้จ่าย"}:
            return IntentChoice("income")
        if intent == "monthly":
            return IntentChoice("expense")
    if (
        "trainer" in roles
        and intent == "activity"
        and choice.activity_kind in ("practice", "training", "other")
    ):
        return IntentChoice("training", activity_kind="training")
    return choice


def _evidence(mentions: list[Mention], scan: DateScan, roles: frozenset[str]) -> Evidence:
    quantity = duration = days = cash = False
    for mention in mentions:
        if mention.kind == "quantity":
            quantity = True
        elif mention.kind == "hours" and mention.unit is not units.DAY:
            duration = True
        elif mention.kind == "hours":
            days = True
        elif mention.kind in ("money", "unit_price") or mention.labels & {
            "money",
            "total",
            "sales",
        }:
            cash = True
    return Evidence(
        quantity=quantity,
        duration=duration or bool(scan.spans),
        days=days,
        money=cash,
        roles=roles,
    )


# A minus sign stuck to a number after a space or at the start: "ขาย -500 บาท". Numbers read
# without their sign would be stored as positive; a minus between words or in a range
# ("10-20 ฟอง", "รายรับ-5000") is left alone. A treasurer's balance may be negative.
_NEGATIVE: Final = re.compile(r"(?:^|\s)[-−]\d")
_SIGNED_FIELDS: Final = (
    ("amount", "amount"),
    ("unit_price", "amount"),
    ("quantity", "quantity"),
    ("income", "income"),
    ("expenses", "expenses"),
    ("hours", "hours"),
)


def _ask_instead_of_negatives(draft: _Draft) -> None:
    """A report with a negative number is asked again rather than read without its sign."""
    for name, code in _SIGNED_FIELDS:
        if getattr(draft, name) is not None:
            setattr(draft, name, None)
            draft.ask(code)
    if draft.items:
        draft.items = ()
        draft.ask("amount")


def _slash_command(text: str) -> tuple[Intent | None, str]:
    """ "/sale ไข่ 30 ฟอง" → ("sale", "ไข่ 30 ฟอง"); unknown commands are left in the text."""
    match = _SLASH.match(text)
    if match is None:
        return None, text
    intent = SLASH_COMMANDS.get(match.group("name").lower())
    if intent is None:
        return None, text
    return intent, text[match.end() :]


def _freeze(
    choice: IntentChoice, draft: _Draft, clean: str, day: date | None, month: date | None
) -> Parsed:
    codes = list(dict.fromkeys(draft.ambiguous))
    ordered = [c for c in _AMBIGUITY_ORDER if c in codes] + [
        c for c in codes if c not in _AMBIGUITY_ORDER
    ]
    return Parsed(
        intent=choice.intent,
        date=day,
        month=month,
        item=draft.item,
        quantity=draft.quantity,
        unit=draft.unit,
        unit_price=draft.unit_price,
        amount=draft.amount,
        income=draft.income,
        expenses=draft.expenses,
        attendees=draft.attendees,
        hours=draft.hours,
        ambiguous=tuple(ordered),
        balance=draft.balance,
        activity_kind=choice.activity_kind,
        topics=draft.topics,
        person=draft.person,
        negated=choice.negated,
        items=draft.items,
        names=draft.names,
        text=clean,
    )


# --- dates -----------------------------------------------------------------------------------


def _check_dates(
    intent: Intent, scan: DateScan, today: date, draft: _Draft
) -> tuple[date | None, date | None]:
    """A record needs a past day; monthly figures need a month that has (nearly) ended."""
    day, month = scan.date, scan.month
    if intent == "monthly":
        if month is not None and not _month_closed(month, today):
            draft.ask("month")  # "ม.ค. 70" sent in December, or December's figures on the 3rd
            month = None
        return day, month
    if intent not in _RECORD_INTENTS:
        return day, month
    if day is not None and (day > today or scan.week):
        draft.ask("date")  # "พรุ่งนี้ขาย…", "5/12/69" two days ahead, "อาทิตย์ที่แล้ว"
        day = None
    elif (
        day is None
        and month is not None
        and not scan.month_is_name
        and month != date(today.year, today.month, 1)
    ):
        draft.ask("date")  # "สามพันห้า เดือนก่อน": some day last month, which one?
    return day, month


def _month_closed(month: date, today: date) -> bool:
    last_day = calendar.monthrange(month.year, month.month)[1]
    if (month.year, month.month) < (today.year, today.month):
        return True
    if (month.year, month.month) > (today.year, today.month):
        return False
    return last_day - today.day < _MONTH_CLOSES_DAYS


# --- numbers into fields -------------------------------------------------------------------


def _fill_figures(
    intent: Intent,
    tokens: list[Token],
    hits: list[Hit],
    choice: IntentChoice,
    mentions: list[Mention],
    scan: DateScan,
    draft: _Draft,
    roles: frozenset[str],
) -> None:
    if any(m.unclear or m.approx for m in mentions):
        draft.ask("number")
        for mention in mentions:
            if mention.unclear or mention.approx:
                mention.used = True  # asked about already
    readable = [m for m in mentions if m.value is not None and not m.unclear and not m.approx]
    if intent == "monthly":
        _monthly(tokens, readable, draft, roles)
        return
    if intent in _MONEY_INTENTS:
        _money_lines(intent, tokens, hits, choice, readable, draft)
    elif intent in ("work", "activity", "unknown"):
        _sale_like(intent, readable, draft, tokens)
    # meetings, trainings and visits have no money or product fields: such numbers stay in
    # the topics as typed ("ประชุมกรรมการ เรื่องปันผล 12,000 บาท")
    if intent in _PEOPLE_INTENTS:
        _attendees(intent, readable, draft)
    if intent == "training":
        draft.names = _names(tokens)
        if draft.attendees is None and draft.names and "attendees" not in draft.ambiguous:
            draft.attendees = len(draft.names)
    _hours(intent, readable, scan, draft, tokens)


def _value(mention: Mention) -> Decimal:
    return mention.value if mention.value is not None else Decimal(0)


def _single(values: Iterable[Decimal]) -> Decimal | None:
    """The one value when all candidates agree, else None."""
    first: Decimal | None = None
    for value in values:
        if first is None:
            first = value
        elif value != first:
            return None
    return first


def _use(mentions: Iterable[Mention]) -> None:
    for mention in mentions:
        mention.used = True


def _sale_like(intent: Intent, mentions: list[Mention], draft: _Draft, tokens: list[Token]) -> None:
    people_labels: set[Label] = {"attend", "absent", "members", "gender", "hours"}
    bare = [m for m in mentions if m.kind == "bare" and not (m.labels & people_labels)]
    money_mentions = [m for m in mentions if m.kind == "money"]
    # A number without a unit is money for sales and account-book lines ("ขายผัก 200"), and
    # for an unknown message it is the answer to "how much?".
    money_labels: set[Label] = {"money", "total", "sales"}
    if intent in _MONEY_INTENTS or intent == "unknown":
        money_mentions += bare
    else:
        money_mentions += [m for m in bare if m.labels & money_labels]  # "ออกบูธขายได้ 3000"
    money_mentions.sort(key=lambda m: m.index)
    quantities = [m for m in mentions if m.kind == "quantity"]
    prices = [m for m in mentions if m.kind == "unit_price"]
    _use(money_mentions + quantities + prices)

    rate = _rate(quantities, money_mentions, tokens)
    if rate is not None:  # "15 แพ็ค 3 แพ็คร้อย": 3 packs for 100 baht
        counted, per, paid = rate
        quantities = [counted]
        money_mentions = []
        total = _value(counted) * _value(paid) / _value(per)
        if money.money(total) == total and money.plausible_money(total):
            draft.amount = money.money(total)
        else:
            draft.ask("amount")

    if money_mentions:
        totals = [m for m in money_mentions if "total" in m.labels]
        chosen = _single(_value(m) for m in (totals or money_mentions))
        others = [
            _value(m) for m in money_mentions if "total" not in m.labels and _value(m) != chosen
        ]
        if totals and chosen is not None and others and sum(others, Decimal(0)) != chosen:
            chosen = None  # "ขายผัก 200 รวม 300": which is it? ("ไข่ 100 ผัก 200 รวม 300" adds up)
        if chosen is None:
            draft.ask("amount")
        else:
            draft.amount = chosen

    same_value = _single(_value(q) for q in quantities) is not None
    same_unit = len({q.unit.name if q.unit else None for q in quantities}) == 1
    if same_value and same_unit:  # one quantity, or the same one repeated
        draft.quantity = _value(quantities[0])
        draft.unit = quantities[0].unit.name if quantities[0].unit else None
        if quantities[0].unit is not None and not quantities[0].unit.known:
            draft.unknown_unit = True
    if quantities and draft.quantity is None:
        draft.ask("quantity", "item")  # "ไข่ 50 ฟอง ผัก 3 กำ": several products

    if prices:
        price = _single(_value(p) for p in prices)
        if price is None:
            draft.ask("amount")
        else:
            draft.unit_price = price
            price_unit = next((p.unit for p in prices if p.unit is not None), None)
            if draft.unit is None and price_unit is not None:
                draft.unit = price_unit.name
                draft.unknown_unit = draft.unknown_unit or not price_unit.known

    _check_ranges(draft)
    if draft.quantity is not None and draft.unit_price is not None:
        product = money.money(draft.quantity * draft.unit_price)
        if draft.amount is None and money.plausible_money(product):
            draft.amount = product
        elif draft.amount is not None and draft.amount != product:
            draft.amount = None  # "20 ตัว ตัวละ 15 ได้ 250": which one is wrong?
            draft.ask("amount")
    if intent in _MONEY_INTENTS and draft.amount is None:
        if draft.quantity is not None and draft.unit_price is None and rate is None:
            draft.ask("amount")  # "ขายไข่ 50 ฟอง": how much money?
        if draft.unit_price is not None and draft.quantity is None:
            draft.ask("quantity")  # "ขายกบตัวละ 15": how many?
    if draft.amount is not None and not money.plausible_money(draft.amount):
        draft.amount = None
        draft.ask("amount")
    _check_price_for_unit(draft)
    if (
        intent in ("income", "expense")
        and draft.amount is not None
        and (draft.amount > _ACCOUNT_BOOK_MAX)
    ):
        draft.amount = None  # "จ่ายค่าอาหารไก่ 35000": 350 meant? asked, not saved
        draft.ask("amount")
    if draft.unknown_unit and draft.unit is not None:
        draft.ask("unit")


def _rate(
    quantities: list[Mention], money_mentions: list[Mention], tokens: list[Token]
) -> tuple[Mention, Mention, Mention] | None:
    """ "ขายแหนมเห็ด 15 แพ็ค 3 แพ็คร้อย": (15 แพ็ค, 3 แพ็ค, 100) — N units for a price."""
    if len(quantities) != 2 or len(money_mentions) != 1:
        return None
    counted, per = quantities
    paid = money_mentions[0]
    if counted.unit is None or per.unit is None or counted.unit.name != per.unit.name:
        return None
    if not per.index < paid.index or _value(per) == 0 or _value(per) >= _value(counted):
        return None
    between = tokens[per.index + 1 : paid.index]
    if any(t.kind not in ("space", "punct") and t.role not in ("unit", "label") for t in between):
        return None
    return counted, per, paid


def _check_ranges(draft: _Draft) -> None:
    if draft.amount is not None:
        if money.plausible_money(draft.amount):
            draft.amount = money.money(draft.amount)
        else:
            draft.amount = None
            draft.ask("amount")
    if draft.unit_price is not None:
        if money.plausible_money(draft.unit_price):
            draft.unit_price = money.money(draft.unit_price)
        else:
            draft.unit_price = None
            draft.ask("amount")
    if draft.quantity is not None:
        if Decimal(0) <= draft.quantity <= money.MAX_QUANTITY:
            draft.quantity = money.tidy(draft.quantity)
        else:
            draft.quantity = None
            draft.ask("quantity")


def _check_price_for_unit(draft: _Draft) -> None:
    """Hundreds of baht for one egg is a slip ("50 ฟอง 25000 บาท"): asked, not saved."""
    limit = units.MAX_UNIT_PRICE.get(draft.unit or "")
    if limit is None:
        return
    price = draft.unit_price
    if price is None and draft.amount is not None and draft.quantity:
        price = draft.amount / draft.quantity
    if price is not None and price > limit:
        draft.amount = None
        draft.unit_price = None
        draft.ask("amount")


# --- several products ------------------------------------------------------------------------


@dataclass(slots=True)
class _Line:
    item: str | None = None
    mentions: list[Mention] = field(default_factory=list)
    joined: bool = False  # listed with "กับ", "และ", ","
    verb: Intent | None = None  # the money verb before it: "ขาย…", "ซื้อ…", "ค่า…"

    @property
    def figures(self) -> bool:
        return any(m.kind in ("money", "quantity", "unit_price", "bare") for m in self.mentions)


def _money_lines(
    intent: Intent,
    tokens: list[Token],
    hits: list[Hit],
    choice: IntentChoice,
    mentions: list[Mention],
    draft: _Draft,
) -> None:
    """One product, or several each with its own figures (``items``), or a question."""
    start = _first_hit_index(tokens, hits, choice)
    lines, before = _lines(tokens, start, mentions, intent)
    products = [
        line
        for position, line in enumerate(lines)
        if line.item and (position == 0 or line.figures or line.joined)
    ]
    if len(products) <= 1:
        _sale_like(intent, mentions, draft, tokens)
        item = products[0].item if products else None
        if item is None and before:
            item = before[0]
        draft.item = _clean_item(item)
        if intent in ("income", "expense"):
            draft.item = _income_kind(tokens, hits) or draft.item
        return
    for line in lines:
        if not line.item and line.mentions:
            products[0].mentions.extend(line.mentions)  # figures before any product name
    subs: list[tuple[str, _Draft]] = []
    for line in products:
        sub = _Draft()
        _sale_like(intent, line.mentions, sub, tokens)
        subs.append((_clean_item(line.item) or "", sub))
    complete = all(s.amount is not None and not s.ambiguous and name for name, s in subs)
    fits = _SAME_BOOK[intent]
    if any(line.verb is not None and line.verb not in fits for line in products):
        complete = False  # "ขายไข่เค็ม 500 บาท ซื้อไข่เป็ด 300 บาท": money in and out, asked
    if intent == "income" and any(
        name.startswith("ค่า") and name not in lexicon.INCOME_KINDS for name, _ in subs
    ):
        complete = False  # "ได้เงินขายไข่ 200 ค่าอาหารไก่ 150": money in and out, asked
    if complete:
        draft.items = tuple(
            SaleLine(name, s.amount, s.quantity, s.unit, s.unit_price) for name, s in subs
        )
        return
    # "ไข่เค็มกับน้ำพริก ได้ 1,850": which money is whose is not known; the products and their
    # counts are listed, the one stated total kept, and the split asked.
    _use(mentions)
    draft.items = tuple(SaleLine(name, None, s.quantity, s.unit) for name, s in subs)
    cash = [m for m in mentions if m.kind in ("money", "bare")]
    total = _single(_value(m) for m in cash)
    if total is not None and money.plausible_money(total):
        draft.amount = money.money(total)
    draft.ask("item")
    if draft.amount is None:
        draft.ask("amount")


# The lines one record may hold: a sale's lines are sales; an income's may be sales of produce
# ("ได้เงินขายผัก 200 ขายไข่ 100"); an expense's are expenses.
_SAME_BOOK: Final[dict[str, frozenset[str]]] = {
    "sale": frozenset({"sale"}),
    "income": frozenset({"income", "sale"}),
    "expense": frozenset({"expense"}),
}


def _lines(
    tokens: list[Token], start: int, mentions: list[Mention], intent: Intent
) -> tuple[list[_Line], list[str]]:
    """The products of a money report in text order, each with the numbers that follow it;
    and the candidate items before the keyword ("ไข่เค็ม 50 ฟอง ขายได้ 250")."""
    by_index = {m.index: m for m in mentions}
    lines = [_Line()]
    before: list[str] = []
    index = 0
    verb: Intent | None = None
    buyer = False
    while index < len(tokens):
        token = tokens[index]
        mention = by_index.get(index)
        if mention is not None:
            lines[-1].mentions.append(mention)
            index += 1
            continue
        if token.role == "keyword":
            said = money_verb(token.text)
            buyer = buyer or said == "buyer"
            if said is not None and said != "buyer":
                verb = "sale" if buyer and said == "expense" else said
        if not _is_content(token):
            index += 1
            continue
        end = index
        while end < len(tokens) and _is_content(tokens[end]):
            end += 1
        run = _run_text(tokens, index, end, intent)
        previous = _previous_word(tokens, index)
        index = end
        if run is None:
            continue
        if end <= start:
            before.append(run)
            continue
        if previous in lexicon.MODIFIERS or run.startswith(lexicon.VENUE_PREFIXES):
            continue
        joined = previous in lexicon.JOINERS
        current = lines[-1]
        if current.item is None:
            current.item = run
            current.joined = current.joined or joined
            current.verb = verb
        elif current.figures or joined:
            lines.append(_Line(item=run, joined=joined, verb=verb))
    return lines, before


def _run_text(tokens: list[Token], start: int, end: int, intent: Intent) -> str | None:
    """The text of a run of content tokens as an item: "ค่า" kept for account-book lines
    ("จ่ายค่าอาหารไก่" → ค่าอาหารไก่), whose it was dropped ("ค่าเทอมลูก" → ค่าเทอม)."""
    words = [t.text for t in tokens[start:end]]
    if intent in ("income", "expense") and len(words) > 1 and words[-1] in lexicon.FAMILY:
        words.pop()
    text = "".join(words)
    if len(text) <= 1 and not text.isalpha():
        return None
    if intent in ("income", "expense") and start > 0:
        previous = tokens[start - 1]
        if previous.role == "keyword" and previous.text.endswith("ค่า"):
            text = "ค่า" + text
    return text


def _previous_word(tokens: list[Token], index: int) -> str | None:
    for preceding in range(index - 1, -1, -1):
        if tokens[preceding].kind != "space":
            return tokens[preceding].text
    return None


def _clean_item(item: str | None) -> str | None:
    if item is None or item in lexicon.GENERIC_ITEMS:
        return None
    unit = units.lookup(item)
    if unit is not None and unit.kind == "people":
        return None  # "มีคนสั่งของ": somebody, not a product
    if item.startswith(lexicon.VENUE_PREFIXES):
        return None
    return lexicon.correct_product(item)


def _income_kind(tokens: list[Token], hits: list[Hit]) -> str | None:
    """ "ได้ค่าแรง 300" → ค่าแรง, "ได้เงินเดือน อสม. 1,000" → "เงินเดือน อสม.", "ลูกส่งเงินมาให้" →
    ลูกส่งเงิน: household income named by its kind (the last kind named)."""
    kind: tuple[str, bool, bool] | None = None
    chosen: Hit | None = None
    for hit in hits:
        found = lexicon.INCOME_KINDS.get(hit.keyword.text)
        if found is not None and not hit.negated:
            kind, chosen = found, hit
    if kind is None or chosen is None:
        return None
    name, after, before = kind
    starts = mood.offsets(tokens)
    first = next((i for i, s in enumerate(starts) if s >= chosen.end), len(tokens))
    if after:
        index = first
        gap = ""
        if index < len(tokens) and tokens[index].kind == "space":
            gap, index = " ", index + 1
        words: list[str] = []
        while index < len(tokens) and (
            _is_content(tokens[index]) or (words and tokens[index].text == ".")
        ):
            words.append(tokens[index].text)
            index += 1
        if words:
            return name + gap + "".join(words)
    if before:
        opening = next((i for i, s in enumerate(starts) if s >= chosen.start), 0)
        words = [t.text for t in tokens[:opening] if _is_content(t)]
        if words:
            return "".join(words) + name
    return name


# --- monthly figures -------------------------------------------------------------------------

_SECTION_OF: Final[dict[str, str]] = {
    **dict.fromkeys(_IN_WORDS, "income"),
    **dict.fromkeys(_OUT_WORDS, "expenses"),
    **dict.fromkeys(("คงเหลือ", "เหลือ", "ยอดคงเหลือ", "เงินคงเหลือ", "ยกไป"), "balance"),
    # "กำไร 7,000", "ขาดทุน 1,000": income less expenses as the treasurer worked it out; checked
    **dict.fromkeys(("กำไร", "กำไรสุทธิ", "ขาดทุน"), "result"),
}


def _monthly(
    tokens: list[Token], mentions: list[Mention], draft: _Draft, roles: frozenset[str]
) -> None:
    """Income, expenses and balance. A label directly before a number gives it its field
    ("รายรับ 12,500"); numbers after a label without one are its lines, added up ("รายจ่าย
    ค่าไข่ 3,000 ค่าดิน 500"); a label's own number and its lines must agree."""
    section_at = _sections(tokens)
    direct: dict[str, list[Decimal]] = {"income": [], "expenses": [], "balance": []}
    lines: dict[str, list[Decimal]] = {"income": [], "expenses": [], "balance": []}
    results: list[Decimal] = []
    unlabelled: list[Decimal] = []
    for mention in mentions:
        if mention.kind not in ("money", "bare"):
            continue
        mention.used = True
        if _minus_before(tokens, mention.index) and mention.value is not None:
            mention.value = -mention.value  # "คงเหลือ -2,000": a treasurer's balance may be short
        labels = set(mention.labels)
        if "sales" in labels:
            labels.add("income")  # "ยอดขายทั้งเดือน 18,400 ต้นทุน 7,900" from a treasurer
        labelled = next((f for f in ("income", "expenses", "balance") if f in labels), None)
        if labelled is not None:
            direct[labelled].append(_value(mention))
            continue
        section = _line_kind(tokens, mention.index) or section_at[mention.index]
        if section == "result":
            loss = any(t.text == "ขาดทุน" for t in tokens[: mention.index])
            results.append(-_value(mention) if loss else _value(mention))
            continue
        if section is None or (
            (lines[section] or section == "balance") and not _named_line(tokens, mention.index)
        ):
            # a number with no label and no line of its own: "คงเหลือ 2 2", "รายรับ 500 300"
            unlabelled.append(_value(mention))
        else:
            lines[section].append(_value(mention))
    values: dict[str, Decimal | None] = {}
    for name in ("income", "expenses", "balance"):
        stated = _single(direct[name])
        value: Decimal | None = None
        if direct[name] and stated is None:
            draft.ask(name)
        elif stated is not None:
            value = stated
            if lines[name] and sum(lines[name], Decimal(0)) != stated:
                draft.ask(name)  # "รายจ่าย 3,700 ค่าไข่ 3,000 ค่าดิน 500": which is right?
                value = None
        elif lines[name] and name == "balance" and len(lines[name]) > 1:
            draft.ask(name)  # a balance is one figure, never a sum of lines
        elif lines[name]:
            value = sum(lines[name], Decimal(0))
        if value is not None and not money.plausible_money(
            abs(value) if name == "balance" else value
        ):
            draft.ask(name)
            value = None
        if value is not None and name != "balance" and value > _MONTHLY_MAX:
            draft.ask(name)  # a month's income of 1,250,000 for a village group: asked
            value = None
        values[name] = money.money(value) if value is not None else None
    draft.income = values["income"]
    draft.expenses = values["expenses"]
    draft.balance = values["balance"]
    income, expenses = draft.income, draft.expenses
    if results and (income is None or expenses is None):
        # "กำไร 2,000" alone: a result that cannot be checked; what came in and went out?
        draft.ask(*[n for n, v in (("income", income), ("expenses", expenses)) if v is None])
    elif (
        income is not None and expenses is not None and any(r != income - expenses for r in results)
    ):
        draft.ask("balance")  # "รายรับ 5,000 รายจ่าย 3,000 กำไร 1,000": which is wrong?
    if unlabelled:
        # "ยอดเดือนนี้ 12000 3500": numbers without a label are not guessed into fields.
        missing = [n for n in ("income", "expenses") if values[n] is None]
        draft.ask(*(missing or ["amount"]))


# Letters only (str.isalpha is False for Thai vowel and tone marks: "ดิน").
_WORD_LETTERS: Final = re.compile(r"[\u0e01-\u0e4eA-Za-z]+")


def _line_kind(tokens: list[Token], index: int) -> str | None:
    """A line that says what it is: "ค่าไข่ 3,000" is money out, "ขายน้ำพริก 1,200" money in,
    whatever label came before ("รายรับ 10,000 ค่าไข่ 3,000 ค่าถุง 500")."""
    for previous in range(index - 1, -1, -1):
        token = tokens[previous]
        if token.kind == "num" or token.role == "label":
            return None
        if token.role == "keyword":
            if token.text.startswith("ค่า") or token.text.endswith("ค่า"):
                return "expenses"
            if token.text.startswith("ขาย"):
                return "income"
    return None


def _named_line(tokens: list[Token], index: int) -> bool:
    """Whether words name the line a number closes ("ค่าดิน 500", "ขายน้ำพริก 1,200"), back
    to the previous number."""
    for previous in range(index - 1, -1, -1):
        token = tokens[previous]
        if token.kind == "num":
            return False
        if _is_content(token) and len(token.text) > 1 and _WORD_LETTERS.fullmatch(token.text):
            return True  # "ค่าถุง 200" (ถุง is also a unit word), not "กก. 2"
    return False


_SECTION_WORDS: Final = frozenset(_SECTION_OF)
# Words that can make a message money in and out (section words, and the lines "ค่า…").
_MONEY_SHAPE_WORDS: Final = _SECTION_WORDS | {"ค่า", "จ่ายค่า", "ยอดขาย"}
# Words a name follows ("ป้าประไพ", "ขายแทนสมศรี"): without one, only work looks for a name.
_NAMES_FOLLOW: Final = lexicon.HONORIFICS | {"แทน"}


def _minus_before(tokens: list[Token], index: int) -> bool:
    return index > 0 and tokens[index - 1].text in ("-", "−")


def _sections(tokens: list[Token]) -> list[str | None]:
    """For each token, the monthly field whose label came last before it (None before any)."""
    current: str | None = None
    out: list[str | None] = []
    for token in tokens:
        if token.kind == "word":
            current = _SECTION_OF.get(token.text, current)
        out.append(current)
    return out


# --- people and hours -------------------------------------------------------------------------


def _attendees(intent: Intent, mentions: list[Mention], draft: _Draft) -> None:
    present = [m for m in mentions if "absent" not in m.labels]  # "ไม่มาประชุม 3 คน"
    _use(m for m in mentions if m.labels & {"absent", "members"})
    present = [m for m in present if "members" not in m.labels]
    genders = [m for m in present if "gender" in m.labels]
    people = [m for m in present if m.kind == "people"]
    labelled = [m for m in present if "attend" in m.labels and m.kind in ("people", "bare")]
    chosen = labelled or people
    if genders and not labelled:
        # "ผู้ชาย 5 ผู้หญิง 11": added up
        value: Decimal | None = sum((_value(m) for m in genders), Decimal(0))
        _use(genders)
        chosen = []
    elif not chosen:
        return
    else:
        value = _single(_value(m) for m in chosen)
        _use(chosen)
        if labelled:
            _use(people)  # "สมาชิก 20 คน มา 17": the 20 is the group, 17 came
    cap = _MAX_PEOPLE_AT_A_SESSION if intent in ("meeting", "training") else money.MAX_ATTENDEES
    if value is None or value != value.to_integral_value() or not 0 <= value <= cap:
        draft.ask("attendees")
        return
    draft.attendees = int(value)


def _per_day(mention: Mention, tokens: list[Token]) -> bool:
    """ "วันละ 8 ชั่วโมง", "วัน ละ 8 ชม.", "8 ชม. ต่อวัน" (hours a day)."""
    words = [t.text for t in tokens[max(0, mention.index - 4) : mention.index] if t.kind != "space"]
    after = [t.text for t in tokens[mention.index + 1 : mention.index + 6] if t.kind != "space"]
    return "".join(words[-2:]).endswith(("วันละ", "ต่อวัน")) or "".join(after[1:3]) in (
        "ต่อวัน",
        "วันละ",
    )


def _hours(
    intent: Intent, mentions: list[Mention], scan: DateScan, draft: _Draft, tokens: list[Token]
) -> None:
    """Hours and minutes added up ("1 ชม. 30 นาที", "เช้า 2 ชม. บ่าย 3 ชม.", a clock range);
    a work report in days only is asked; days elsewhere are a length, not hours."""
    durations = [m for m in mentions if m.kind == "hours" and m.unit is not units.DAY]
    days = [m for m in mentions if m.kind == "hours" and m.unit is units.DAY]
    if intent not in _MONEY_INTENTS:
        _use(days)  # a training's "3 วัน"; a sale's days are not accounted for: asked
    if not durations and not scan.spans:
        if intent == "work" and days:
            draft.ask("hours")  # "ทำงาน 2 วัน", "ทั้งวัน": how many hours is a day?
        return
    _use(durations)
    per_day = [m for m in durations if _per_day(mention=m, tokens=tokens)]
    if not per_day and any(_value(d) > _HOURS_A_DAY for d in days):
        draft.ask("hours")  # "3 ชม. 2 วัน": three hours in all, or a day?
        return
    if per_day:
        # "ช่วยงาน 2 วัน วันละ 8 ชั่วโมง": 16 hours; with no count of days, asked
        count = _single(_value(d) / 8 for d in days)  # a day mention holds 8 h per day
        if count is None or len(per_day) > 1 or len(durations) > 1 or scan.spans:
            draft.ask("hours")
            return
        durations = []
        scan_total = count * _value(per_day[0])
    else:
        scan_total = Decimal(0)
    if any(span is None for span in scan.spans):
        draft.ask("hours")  # "8 โมงถึง 7 โมง"
        return
    total = scan_total + sum((s for s in scan.spans if s is not None), Decimal(0))
    by_unit: dict[str, list[Mention]] = {}
    for mention in durations:
        by_unit.setdefault(mention.unit.name if mention.unit else "", []).append(mention)
    for same in by_unit.values():
        if len(same) > 1 and not _separate_parts(same, draft):
            draft.ask("hours")  # "ทำงาน 3 ชม. 4 ชม.": which one?
            return
    total += sum((_value(m) for m in durations), Decimal(0))
    if not Decimal(0) <= total <= _MAX_HOURS_A_REPORT:
        draft.ask("hours")  # "ทำงาน 30 ชั่วโมง": more than a day holds
        return
    draft.hours = money.money(total)


def _separate_parts(same: list[Mention], draft: _Draft) -> bool:
    """Durations of one unit are parts to add when words stand between them ("เช้า 2 ชม.
    บ่าย 3 ชม."); the same value typed twice is not a second part."""
    values = [_value(m) for m in same]
    return len(set(values)) == len(values) and all(b.index - a.index > 3 for a, b in pairwise(same))


# --- every number accounted for ---------------------------------------------------------------

_CODE_BY_KIND: Final[dict[str, str]] = {
    "money": "amount",
    "unit_price": "amount",
    "quantity": "quantity",
    "people": "number",
    "hours": "hours",
    "times": "number",
}


def _account_for_every_number(intent: Intent, mentions: list[Mention], draft: _Draft) -> None:
    """A report is saved at once only when every number in it went somewhere."""
    for mention in mentions:
        if mention.used or mention.synthetic:
            continue
        code = _CODE_BY_KIND.get(mention.kind)
        if code is None:  # a bare number
            code = {"work": "hours", "monthly": "amount"}.get(intent, "number")
        elif intent in _MONEY_INTENTS and code == "hours":
            code = "number"  # "ขายผัก 300 บาท 2 วัน": what are the two days?
        draft.ask(code)


# --- words into fields -----------------------------------------------------------------------


def _is_content(token: Token) -> bool:
    return (
        token.role is None
        and token.kind in ("word", "latin")
        and token.text not in _ITEM_STOPWORDS
        and token.text not in lexicon.PRONOUNS
        and not (token.text.endswith("ละ") and units.unit_price_token(token.text) is not None)
    )


def _runs(tokens: list[Token], start: int = 0) -> list[str]:
    """Adjacent content tokens glued into phrases, from ``start`` on; a phrase after a place
    or buyer word ("ที่ตลาด", "ให้โรงเรียน") or naming a place ("งานวัด") is left out."""
    runs: list[str] = []
    current: list[str] = []
    skip = False
    previous: str | None = None
    for token in tokens[start:]:
        if _is_content(token):
            if not current:
                skip = previous in lexicon.MODIFIERS
            current.append(token.text)
            continue
        if current:
            runs.append("" if skip else "".join(current))
            current = []
        if token.kind != "space":
            previous = token.text
    if current and not skip:
        runs.append("".join(current))
    return [
        r
        for r in runs
        if r and (len(r) > 1 or r.isalpha()) and not r.startswith(lexicon.VENUE_PREFIXES)
    ]


def _first_hit_index(tokens: list[Token], hits: list[Hit], choice: IntentChoice) -> int:
    """Token index just after the first live keyword of the chosen intent (0 if none)."""
    wanted: set[Intent] = {choice.intent}
    if choice.intent == "sale":
        wanted.add("expense")  # a buyer's "ซื้อ"/"จ่าย" counted for the sale
    hit = next(
        (
            h
            for h in hits
            if not h.negated and (h.keyword.buyer or any(i in wanted for i, _ in h.keyword.scores))
        ),
        None,
    )
    if hit is None:
        return 0
    position = 0
    for index, token in enumerate(tokens):
        position += len(token.text)
        if position >= hit.end:
            return index + 1
    return 0


def _item(tokens: list[Token], hits: list[Hit], choice: IntentChoice, intent: Intent) -> str | None:
    after = _runs(tokens, _first_hit_index(tokens, hits, choice))
    if after:
        return _clean_item(after[0])
    anywhere = _runs(tokens)
    return _clean_item(anywhere[0]) if anywhere else None


def _topics(
    tokens: list[Token], hits: list[Hit], intent: Intent, mentions: list[Mention]
) -> str | None:
    """The free text: what is left once the defining keywords and the numbers that went into
    fields are gone. Numbers no field took stay, as typed ("ก้อนเชื้อเสีย 50 ก้อน").

    Only the chosen intent's strong keywords (weight ≥ 20) are dropped, so a visit's
    "แนะนำให้ทำบัญชี" keeps its "แนะนำ"; after a marker ("เรื่อง") only what follows is kept.
    """
    strong: set[tuple[int, int]] = {
        (h.start, h.end) for h in hits if any(i == intent and w >= 20 for i, w in h.keyword.scores)
    }
    kept: set[int] = set()
    for mention in mentions:
        if mention.used or mention.synthetic:
            continue
        # the number with its rate, label, unit and currency: "เดือนละ 5,000 บาท"
        kept.add(mention.index)
        for step in (-1, 1):
            near = mention.index + step
            while 0 <= near < len(tokens) and (
                tokens[near].kind == "space" or tokens[near].role in ("unit", "label", "currency")
            ):
                kept.add(near)
                near += step
    pieces: list[str] = []
    position = 0
    marked = False
    for index, token in enumerate(tokens):
        start, end = position, position + len(token.text)
        position = end
        if not marked and token.text in _TOPIC_MARKERS and token.role is None:
            pieces = []  # keep only what follows the first marker
            marked = True
            continue
        if index in kept:
            pieces.append(token.text)
            continue
        if (
            (token.role == "keyword" and any(s <= start and end <= e for s, e in strong))
            or token.role in ("number", "unit", "currency", "label")
            or token.kind == "num"
            or token.text in lexicon.BOT_WORDS  # "บันทึกกิจกรรม" (a button's caption typed)
        ):
            pieces.append(" ")
        else:
            pieces.append(token.text)
    text = re.sub(r"\s+", " ", "".join(pieces)).strip(_TRIM)
    text = _LEADING_FILLER.sub("", text).strip(_TRIM)
    text = _TRAILING_FILLER.sub("", text).strip(_TRIM)
    if text in _ITEM_STOPWORDS or any(h.keyword.text == text.removeprefix("การ") for h in hits):
        return None  # only the word that made it a report: "บันทึกกิจกรรม", "บันทึกการประชุม"
    if intent == "visit" and text.replace(" ", "") in _EMPTY_NOTES:
        return None  # "ไปเยี่ยมครัวเรือนมาค่ะ": which household, what was seen?
    return text or None


def _name_after(tokens: list[Token], index: int) -> tuple[str, int] | None:
    """The name that starts at ``index`` ("บุญ"+"มี" up to "มา"), with the index after it."""
    name: list[str] = []
    position = index
    while position < len(tokens) and len(name) < 3:
        following = tokens[position]
        if following.kind != "word" or following.role not in (None, "person"):
            break
        if following.text in lexicon.NAME_STOPWORDS or following.text in lexicon.HONORIFICS:
            break
        name.append(following.text)
        position += 1
    text = "".join(name)
    if len(text) < 2 or text in lexicon.PRONOUNS or text in _ITEM_STOPWORDS:
        return None
    return text, position


def _person(tokens: list[Token], hits: list[Hit], intent: Intent) -> str | None:
    """Whose report it is, when it names someone: "ป้าประไพช่วยงาน", "ขายแทนสมศรี",
    "สมศรีทำงาน 3 ชม.". The handler matches it against the group's members."""
    for index, token in enumerate(tokens):
        if token.kind != "word" or token.role not in (None, "label"):
            continue
        if token.text not in lexicon.HONORIFICS and token.text != "แทน":
            continue
        before = _previous_word(tokens, index)
        if intent in _MONEY_INTENTS and before in ("ให้", "แก่", "จาก", "ร้าน"):
            continue  # "ขายให้ป้าแดง": the buyer, not whose sale
        found = _name_after(tokens, index + 1)
        if found is None:
            continue
        name, end = found
        for piece in tokens[index:end]:
            piece.role = "person"
        return name
    if intent == "work":
        return _name_before_work(tokens, hits)
    return None


def _name_before_work(tokens: list[Token], hits: list[Hit]) -> str | None:
    """ "สมศรีทำงาน 3 ชั่วโมง", "ประไพ ทำงาน ๔ ชม.": a name opening the message before the
    work verb."""
    work = next((h for h in hits if any(i == "work" for i, _ in h.keyword.scores)), None)
    if work is None:
        return None
    starts = mood.offsets(tokens)
    words = [i for i, t in enumerate(tokens) if t.kind != "space" and starts[i] < work.start]
    if not words or any(not _name_like(tokens[i]) for i in words):
        return None
    name = "".join(tokens[i].text for i in words)
    if (
        name in lexicon.PRONOUNS
        or name in lexicon.HONORIFICS
        or name in lexicon.FAMILY
        or len(name) < 2
    ):
        return None
    for i in words:
        tokens[i].role = "person"
    return name


def _name_like(token: Token) -> bool:
    """A piece of a name: a word nothing else took ("บุญ"+"มี": มี is a name syllable here),
    not a function word, a pronoun or a word about the bot ("แก้ไข ชั่วโมง 4")."""
    return (
        token.kind == "word"
        and token.role is None
        and token.text not in lexicon.NAME_STOPWORDS
        and token.text not in lexicon.PRONOUNS
        and token.text not in lexicon.BOT_WORDS
        and units.unit_price_token(token.text) is None
    )


# Chunks (space-separated) that are not names of people.
_NOT_A_NAME_START: Final = frozenset(
    {*lexicon.MODIFIERS, "เรื่อง", "กับ", "และ", "มา", "ครัวเรือน", "บ้าน", "กลุ่ม", "สมาชิก"}
)
_NAMES_AFTER: Final = frozenset({"มี", "ได้แก่", "คือ"})
_HOUSEHOLDS: Final = "ครัวเรือน"


def _names(tokens: list[Token]) -> tuple[str, ...]:
    """People named as present at a training: "คำปุ่น มาเรียน", "มี สมใจ บุญเรือน คำปุ่น",
    "ให้ครัวเรือน นางสมศรี นายบุญมี", "ป้าแดง กับ ยายทอง มาเรียน". Titles are dropped."""
    chunks: list[list[Token]] = [[]]
    for token in tokens:
        if token.kind == "space":
            if chunks[-1]:
                chunks.append([])
        else:
            chunks[-1].append(token)
    chunks = [c for c in chunks if c]
    names: list[tuple[int, str]] = []  # (chunk position, name): kept in text order
    listing = False  # after "มี", "ครัวเรือน": the chunks that follow are names
    for position, chunk in enumerate(chunks):
        text = "".join(t.text for t in chunk)
        first = chunk[0].text
        titled = _titled_name(chunk)
        if titled is not None:
            names.append((position, titled))
            listing = True
            continue
        if text in _NAMES_AFTER or text.endswith(_HOUSEHOLDS):
            listing = True
            continue
        if first.startswith("มา"):
            # "คำปุ่น มาเรียน": the name-like chunks right before "มา…"
            for back in range(position - 1, -1, -1):
                name = _chunk_name(chunks[back])
                if name is None:
                    if "".join(t.text for t in chunks[back]) in lexicon.JOINERS:
                        continue
                    break
                names.append((back, name))
            listing = False
            continue
        if listing:
            name = _chunk_name(chunk)
            if name is None:
                if text in lexicon.JOINERS:
                    continue
                listing = False
                continue
            names.append((position, name))
    return tuple(dict.fromkeys(name for _, name in sorted(names)))


# Titles newmm may leave glued to a short name in one token ("นางดำ").
_GLUED_TITLES: Final = ("นางสาว", "นาง", "นาย", "ป้า", "ลุง", "ยาย", "น้า")


def _titled_name(chunk: list[Token]) -> str | None:
    """ "นางสมศรี", "ป้าแดง" (a title, then a name, and nothing else): the name."""
    first = chunk[0]
    if first.kind != "word":
        return None
    if first.text in lexicon.HONORIFICS and len(chunk) > 1:
        found = _name_after(chunk, 1)
        return found[0] if found is not None and found[1] == len(chunk) else None
    if len(chunk) == 1 and first.role is None:
        for title in _GLUED_TITLES:
            rest = first.text.removeprefix(title)
            if rest != first.text and len(rest) >= 2 and rest not in _ITEM_STOPWORDS:
                return rest
    return None


def _chunk_name(chunk: list[Token]) -> str | None:
    if any(t.kind != "word" or t.role not in (None, "person") for t in chunk):
        return None
    titled = _titled_name(chunk)
    if titled is not None:
        return titled
    if chunk[0].text in _NOT_A_NAME_START or chunk[0].text in _ITEM_STOPWORDS:
        return None
    text = "".join(t.text for t in chunk)
    if chunk[0].text in lexicon.HONORIFICS or not 2 <= len(text) <= 15 or _HOUSEHOLDS in text:
        return None
    return text
