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
needs.

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

The stages live in their own modules, one per kind of report, so each can be read alone:
`shape` (intent by figures and role), `sales` and `products` (money reports, one product or
several), `monthly` (a treasurer's figures), `work` (people and hours), `names` (person and
names), `slots` (item and topics), all writing into one `draft.Draft`. This module keeps the
order of the stages and the checks that span them (dates, negatives, every number counted).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Final

from bot.nlu import mood
from bot.nlu.dates import DateScan, scan_dates
from bot.nlu.draft import MONEY_INTENTS, Draft
from bot.nlu.figures import Mention, find_mentions
from bot.nlu.intents import IntentChoice, choose_intent, find_keywords
from bot.nlu.keywords import SLASH_COMMANDS, Hit
from bot.nlu.monthly import fill_monthly
from bot.nlu.names import NAMES_FOLLOW, find_names, find_person
from bot.nlu.normalize import normalize_text
from bot.nlu.products import fill_money_lines
from bot.nlu.result import Intent, Mood, Parsed
from bot.nlu.sales import fill_sale_like
from bot.nlu.shape import by_role_and_shape, evidence_of
from bot.nlu.slots import find_item, find_topics
from bot.nlu.tokens import Token, tokenize
from bot.nlu.work import fill_attendees, fill_hours

_SLASH: Final = re.compile(r"/(?P<name>[A-Za-z]+)(?:@\w+)?(?![A-Za-z])\s*")

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
_AMBIGUITY_ORDER: Final = (
    "amount", "quantity", "number", "unit", "date", "month", "item",
    "income", "expenses", "balance", "attendees", "hours",
)  # fmt: skip
_MONTH_CLOSES_DAYS: Final = 7  # the month's figures may come in its last week


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

    Which fields are filled, by intent, is in this module's docstring.
    """
    if isinstance(today, datetime):
        today = today.date()  # a datetime does not compare with dates
    who = frozenset(roles)
    clean = normalize_text(text)
    slash, body = _slash_command(clean)
    scan = scan_dates(body, today)
    tokens, hits = find_keywords(tokenize(scan.text))
    mentions = find_mentions(tokens, scan.text)
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
        hits, slash, month_named=scan.month is not None, evidence=evidence_of(mentions, scan, who)
    )
    words = {t.text for t in tokens if t.kind == "word"}
    choice = by_role_and_shape(choice, tokens, mentions, who, scan, words)
    intent = choice.intent
    if intent in ("help", "undo") or choice.negated:
        return _freeze(choice, Draft(), clean, None, None)  # nothing to record, nothing to ask
    draft = Draft(ambiguous=list(scan.ambiguous))
    day, month = scan.date, scan.month
    if intent not in _NO_FIGURES:
        day, month = _fill_report(choice, tokens, hits, mentions, scan, today, who, draft)
    elif any(m.unclear or m.approx for m in mentions if not m.synthetic):
        draft.ask("number")
    return _freeze(choice, draft, clean, day, month)


def _fill_report(
    choice: IntentChoice,
    tokens: list[Token],
    hits: list[Hit],
    mentions: list[Mention],
    scan: DateScan,
    today: date,
    roles: frozenset[str],
    draft: Draft,
) -> tuple[date | None, date | None]:
    """Every field of a report, then the checks; returns the day and month it keeps."""
    intent = choice.intent
    words = {t.text for t in tokens if t.kind == "word"}
    if intent != "training" and (intent == "work" or words & NAMES_FOLLOW):
        draft.person = find_person(tokens, hits, intent)  # before the item: "ขายแทนสมศรี"
    _fill_figures(intent, tokens, hits, choice, mentions, scan, draft, roles)
    if _NEGATIVE.search(scan.text) and not (intent == "monthly" and "คงเหลือ" in scan.text):
        _ask_instead_of_negatives(draft)
    if intent in _ITEM_INTENTS and not draft.items and draft.item is None:
        draft.item = find_item(tokens, hits, choice, intent)
    if intent in _TOPIC_INTENTS:
        draft.topics = find_topics(tokens, hits, intent, mentions)
    day, month = _check_dates(intent, scan, today, draft)
    if intent in _COUNTED_INTENTS:
        _account_for_every_number(intent, mentions, draft)
    return day, month


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


def _ask_instead_of_negatives(draft: Draft) -> None:
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
    choice: IntentChoice, draft: Draft, clean: str, day: date | None, month: date | None
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
    intent: Intent, scan: DateScan, today: date, draft: Draft
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
    draft: Draft,
    roles: frozenset[str],
) -> None:
    if any(m.unclear or m.approx for m in mentions):
        draft.ask("number")
        for mention in mentions:
            if mention.unclear or mention.approx:
                mention.used = True  # asked about already
    readable = [m for m in mentions if m.value is not None and not m.unclear and not m.approx]
    if intent == "monthly":
        fill_monthly(tokens, readable, draft, roles)
        return
    if intent in MONEY_INTENTS:
        fill_money_lines(intent, tokens, hits, choice, readable, draft)
    elif intent in ("work", "activity", "unknown"):
        fill_sale_like(intent, readable, draft, tokens)
    # meetings, trainings and visits have no money or product fields: such numbers stay in
    # the topics as typed ("ประชุมกรรมการ เรื่องปันผล 12,000 บาท")
    if intent in _PEOPLE_INTENTS:
        fill_attendees(intent, readable, draft)
    if intent == "training":
        draft.names = find_names(tokens)
        if draft.attendees is None and draft.names and "attendees" not in draft.ambiguous:
            draft.attendees = len(draft.names)
    fill_hours(intent, readable, scan, draft, tokens)


# --- every number accounted for ---------------------------------------------------------------

_CODE_BY_KIND: Final[dict[str, str]] = {
    "money": "amount",
    "unit_price": "amount",
    "quantity": "quantity",
    "people": "number",
    "hours": "hours",
    "times": "number",
}


def _account_for_every_number(intent: Intent, mentions: list[Mention], draft: Draft) -> None:
    """A report is saved at once only when every number in it went somewhere."""
    for mention in mentions:
        if mention.used or mention.synthetic:
            continue
        code = _CODE_BY_KIND.get(mention.kind)
        if code is None:  # a bare number
            code = {"work": "hours", "monthly": "amount"}.get(intent, "number")
        elif intent in MONEY_INTENTS and code == "hours":
            code = "number"  # "ขายผัก 300 บาท 2 วัน": what are the two days?
        draft.ask(code)
