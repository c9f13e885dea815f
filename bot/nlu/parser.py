"""`parse`: one chat message in, one `Parsed` out. Ties the stages together:

normalize → slash command → dates (regexes, blanked) → tokens (newmm) → keywords → intent
→ number roles → fields for that intent → item / topics / person.

The parser never guesses: what it read but could not resolve goes into ``ambiguous`` with one
of these codes, in this order:

- ``amount``    a sale/income/expense with a quantity but no price; several candidate totals;
                a total that disagrees with quantity × unit price; money out of range
                (negative or > 10,000,000 baht, also for a unit price); a monthly report
                with an extra number that has no label
- ``quantity``  several quantities; a quantity > 1,000,000; a unit price with no quantity
- ``number``    a number that cannot be read ("ร้อยห้า", "สองสาม") or is approximate ("พันกว่า")
- ``date``      an impossible or vague date ("31 ก.พ.", "เมื่อวันก่อน"); ``date`` is then null
- ``month``     an impossible month ("เดือน 13")
- ``item``      several products in one sale (always together with ``quantity``)
- ``income``, ``expenses``  monthly figures given as numbers without a label, or twice
                with different values (``balance`` likewise for a doubly stated balance)
- ``attendees`` several different head counts, or an implausible one
- ``hours``     several different durations, or more than 744 hours

Absence is not ambiguity: "ขายผัก" has amount null and no code; the handler asks for what it
needs. Which fields are filled per intent is documented on `parse`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Final

from bot.nlu import money, units
from bot.nlu.dates import scan_dates
from bot.nlu.figures import Label, Mention, find_mentions
from bot.nlu.intents import SLASH_COMMANDS, Hit, IntentChoice, choose_intent, find_keywords
from bot.nlu.normalize import normalize_text
from bot.nlu.result import Intent, Parsed
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

# Words that end an item ("ขายผักที่ตลาด" → ผัก) and are never part of one.
# fmt: off
_ITEM_STOPWORDS: Final = frozenset(
    {
        "ได้", "ไป", "มา", "ที่", "ให้", "แล้ว", "จำนวน", "ราคา", "รวม", "เป็น", "เงิน", "ละ", "และ",
        "กับ", "ของ", "จาก", "ไว้", "อีก", "ก็", "ทั้งหมด", "ประมาณ", "เกือบ", "ราว", "ราวๆ", "การ",
        "แต่", "หมด", "มี", "อยู่", "คือ", "นี้", "นั้น", "เอง", "ด้วย", "บ้าง", "หน่อย", "เลย", "ทุก",
        "เมื่อ", "ตอน", "ช่วง", "วัน", "เวลา", "ทั้ง", "ไม่", "ยัง", "จะ", "ครั้ง", "ขอ", "ดู", "ช่วย",
        "ใน", "ต่อ", "โดย", "ครึ่ง", "กว่า", "เศษ", "ราคาถูก", "ละก็", "ไว้ขาย", "ใช้", "สั่ง",
        "สั่งซื้อ", "กลุ่ม", "สมาชิก", "ทั้งวัน",
    }
)
# fmt: on
_TOPIC_MARKERS: Final = frozenset({"เรื่อง", "หัวข้อ", "ประเด็น"})
_HONORIFICS: Final = frozenset({"นาย", "นาง", "นางสาว", "น.ส.", "คุณ", "ลุง", "ป้า"})
_TRIM: Final = " :;,.-–=/"
# Words that open a note without adding to it: "ไปเยี่ยมบ้าน..." → "บ้าน...".
_LEADING_FILLER: Final = re.compile(r"^(?:(?:ไป|ได้|มา|ที่|และ|โดย|ให้|ก็)\s?)+")
_AMBIGUITY_ORDER: Final = (
    "amount", "quantity", "number", "date", "month", "item",
    "income", "expenses", "balance", "attendees", "hours",
)  # fmt: skip


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

    def ask(self, *codes: str) -> None:
        self.ambiguous.extend(codes)


def parse(text: str, today: date, roles: frozenset[str] = frozenset()) -> Parsed:
    """Understand one message, relative to ``today`` (the message's date in Asia/Bangkok).

    ``roles`` are the sender's roles (member, chair, treasurer, officer, trainer, household),
    when known: the same words mean different things from different people (a treasurer's
    "ยอดขายทั้งเดือน… ต้นทุน…" is the month's figures; a household's "รายรับ 300" is a line of
    its own account book). Without roles the message is read as anyone's.

    Fields filled, by intent (``date``/``month`` always when the text names them):

    - sale, income, expense: item, quantity, unit, unit_price, amount (a lone number without
      unit is the amount: "ขายผัก 200")
    - work: item, quantity, unit, hours ("3 ชม.", "ครึ่งวัน" = 4, "2 วัน" = 16), amount if money
    - activity: activity_kind, item, quantity, unit, attendees, amount if money, topics
    - training: attendees ("ครัวเรือนมา 20"), hours, topics (what was taught)
    - meeting: attendees ("มา 12 คน", "สมาชิกมา 15 คน"), hours, topics (after "เรื่อง" if given)
    - monthly: income ("รายรับ"), expenses ("รายจ่าย"), balance ("คงเหลือ", only when stated:
      a treasurer's balance is cash on hand, not income − expenses), month (null if not named)
    - visit: attendees, topics (the notes, suggestions after "แนะนำ" included)
    - report: month / date if named; help, undo: nothing else
    - unknown: the numbers it carries (an answer such as "300" or "12 คน" to a question the
      bot asked); a negated report ("ไม่ได้ขาย") is unknown with ``negated=True`` and no figures
    - person: a name after นาย/นาง/นางสาว/น.ส./คุณ/ลุง/ป้า, for any report intent
    """
    if isinstance(today, datetime):
        today = today.date()  # a datetime does not compare with dates
    clean = normalize_text(text)
    slash, body = _slash_command(clean)
    scan = scan_dates(body, today)
    tokens, hits = find_keywords(tokenize(scan.text))
    choice = choose_intent(hits, slash, month_named=scan.month is not None)
    intent = choice.intent
    if intent in ("help", "undo") or choice.negated:
        return _freeze(choice, _Draft(), clean, None, None)  # nothing to record, nothing to ask
    draft = _Draft(ambiguous=list(scan.ambiguous))
    mentions = find_mentions(tokens)
    if intent not in _NO_FIGURES:
        _fill_figures(intent, mentions, draft)
        if _NEGATIVE.search(scan.text) and not (intent == "monthly" and "คงเหลือ" in scan.text):
            _ask_instead_of_negatives(draft)
        draft.person = _person(tokens)
        if intent in _ITEM_INTENTS:
            draft.item = _item(tokens, hits, choice)
        if intent in _TOPIC_INTENTS:
            draft.topics = _topics(tokens, hits, intent)
    elif any(m.unclear or m.approx for m in mentions):
        draft.ask("number")
    return _freeze(choice, draft, clean, scan.date, scan.month)


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
        text=clean,
    )


# --- numbers into fields -------------------------------------------------------------------


def _fill_figures(intent: Intent, mentions: list[Mention], draft: _Draft) -> None:
    if any(m.unclear or m.approx for m in mentions):
        draft.ask("number")
    readable = [m for m in mentions if m.value is not None and not m.unclear and not m.approx]
    if intent == "monthly":
        _monthly(readable, draft)
    else:
        _sale_like(intent, readable, draft)
    if intent in _PEOPLE_INTENTS:
        _attendees(readable, draft)
    _hours(intent, readable, draft)


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


def _sale_like(intent: Intent, mentions: list[Mention], draft: _Draft) -> None:
    people_labels: set[Label] = {"attend", "absent"}
    bare = [m for m in mentions if m.kind == "bare" and not (m.labels & people_labels)]
    money_mentions = [m for m in mentions if m.kind == "money"]
    # A number without a unit is money for sales and account-book lines ("ขายผัก 200"), and
    # for an unknown message it is the answer to "how much?".
    money_labels: set[Label] = {"money", "total"}
    if intent in _MONEY_INTENTS or intent == "unknown":
        money_mentions += bare
    else:
        money_mentions += [m for m in bare if m.labels & money_labels]  # "ออกบูธขายได้ 3000"
    quantities = [m for m in mentions if m.kind == "quantity"]
    prices = [m for m in mentions if m.kind == "unit_price"]

    if money_mentions:
        totals = [m for m in money_mentions if "total" in m.labels]
        chosen = _single(_value(m) for m in (totals or money_mentions))
        if chosen is None:
            draft.ask("amount")
        else:
            draft.amount = chosen

    same_value = _single(_value(q) for q in quantities) is not None
    same_unit = len({q.unit.name if q.unit else None for q in quantities}) == 1
    if same_value and same_unit:  # one quantity, or the same one repeated
        draft.quantity = _value(quantities[0])
        draft.unit = quantities[0].unit.name if quantities[0].unit else None
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

    _check_ranges(draft)
    if draft.quantity is not None and draft.unit_price is not None:
        product = money.money(draft.quantity * draft.unit_price)
        if draft.amount is None and money.plausible_money(product):
            draft.amount = product
        elif draft.amount is not None and draft.amount != product:
            draft.amount = None  # "20 ตัว ตัวละ 15 ได้ 250": which one is wrong?
            draft.ask("amount")
    if intent in _MONEY_INTENTS and draft.amount is None:
        if draft.quantity is not None and draft.unit_price is None:
            draft.ask("amount")  # "ขายไข่ 50 ฟอง": how much money?
        if draft.unit_price is not None and draft.quantity is None:
            draft.ask("quantity")  # "ขายกบตัวละ 15": how many?
    if draft.amount is not None and not money.plausible_money(draft.amount):
        draft.amount = None
        draft.ask("amount")


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


def _monthly(mentions: list[Mention], draft: _Draft) -> None:
    candidates = [m for m in mentions if m.kind in ("money", "bare")]
    labelled: dict[str, list[Decimal]] = {"income": [], "expenses": [], "balance": []}
    unlabelled: list[Decimal] = []
    for mention in candidates:
        field_name = next(
            (f for f in ("income", "expenses", "balance") if f in mention.labels), None
        )
        if field_name is None:
            unlabelled.append(_value(mention))
        else:
            labelled[field_name].append(_value(mention))
    values: dict[str, Decimal | None] = {}
    for name, found in labelled.items():
        value = _single(found)
        if found and (value is None or not money.plausible_money(value)):
            draft.ask(name)
            value = None
        values[name] = money.money(value) if value is not None else None
    draft.income = values["income"]
    draft.expenses = values["expenses"]
    draft.balance = values["balance"]
    if unlabelled:
        # "ยอดเดือนนี้ 12000 3500": numbers without a label are not guessed into fields.
        missing = [n for n in ("income", "expenses") if values[n] is None]
        draft.ask(*(missing or ["amount"]))


def _attendees(mentions: list[Mention], draft: _Draft) -> None:
    present = [m for m in mentions if "absent" not in m.labels]  # "ไม่มาประชุม 3 คน"
    people = [m for m in present if m.kind == "people"]
    labelled = [m for m in present if "attend" in m.labels and m.kind in ("people", "bare")]
    chosen = labelled or people
    if not chosen:
        return
    value = _single(_value(m) for m in chosen)
    if value is None or value != value.to_integral_value() or not 0 <= value <= money.MAX_ATTENDEES:
        draft.ask("attendees")
        return
    draft.attendees = int(value)


def _hours(intent: Intent, mentions: list[Mention], draft: _Draft) -> None:
    durations = [
        m for m in mentions if m.kind == "hours" and (intent == "work" or m.unit is not units.DAY)
    ]
    if not durations:
        return
    by_unit: dict[str, list[Decimal]] = {}
    for mention in durations:
        name = mention.unit.name if mention.unit else ""
        by_unit.setdefault(name, []).append(_value(mention))
    if any(len(set(values)) > 1 for values in by_unit.values()):
        draft.ask("hours")
        return
    # "1 ชั่วโมง 30 นาที": one value per unit, added up
    total = sum((values[0] for values in by_unit.values()), Decimal(0))
    if not Decimal(0) <= total <= money.MAX_HOURS:
        draft.ask("hours")
        return
    draft.hours = money.money(total)


# --- words into fields -----------------------------------------------------------------------


def _is_content(token: Token) -> bool:
    return (
        token.kind in ("word", "latin")
        and token.role is None
        and token.text not in _ITEM_STOPWORDS
        and units.unit_price_token(token.text) is None
    )


def _runs(tokens: list[Token], start: int = 0) -> list[str]:
    """Adjacent content tokens glued into phrases, from ``start`` on."""
    runs: list[str] = []
    current: list[str] = []
    for token in tokens[start:]:
        if _is_content(token):
            current.append(token.text)
            continue
        if current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    return [r for r in runs if len(r) > 1 or r.isalpha()]


def _first_hit_index(tokens: list[Token], hits: list[Hit], choice: IntentChoice) -> int:
    """Token index just after the first live keyword of the chosen intent (0 if none)."""
    hit = next(
        (h for h in hits if not h.negated and any(i == choice.intent for i, _ in h.keyword.scores)),
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


def _item(tokens: list[Token], hits: list[Hit], choice: IntentChoice) -> str | None:
    after = _runs(tokens, _first_hit_index(tokens, hits, choice))
    if after:
        return after[0]
    anywhere = _runs(tokens)
    return anywhere[0] if anywhere else None


def _topics(tokens: list[Token], hits: list[Hit], intent: Intent) -> str | None:
    """The free text: what is left once the defining keywords, numbers and units are gone.

    Only the chosen intent's strong keywords (weight ≥ 20) are dropped, so a visit's
    "แนะนำให้ทำบัญชี" keeps its "แนะนำ"; after a marker ("เรื่อง") only what follows is kept.
    """
    strong: set[tuple[int, int]] = {
        (h.start, h.end) for h in hits if any(i == intent and w >= 20 for i, w in h.keyword.scores)
    }
    pieces: list[str] = []
    position = 0
    marked = False
    for token in tokens:
        start, end = position, position + len(token.text)
        position = end
        if not marked and token.text in _TOPIC_MARKERS and token.role is None:
            pieces = []  # keep only what follows the first marker
            marked = True
            continue
        if (
            (token.role == "keyword" and any(s <= start and end <= e for s, e in strong))
            or token.role in ("number", "unit", "currency", "label")
            or token.kind == "num"
        ):
            pieces.append(" ")
        else:
            pieces.append(token.text)
    text = re.sub(r"\s+", " ", "".join(pieces)).strip(_TRIM)
    text = _LEADING_FILLER.sub("", text).strip(_TRIM)
    return text or None


def _person(tokens: list[Token]) -> str | None:
    for index, token in enumerate(tokens):
        if token.kind != "word" or token.text not in _HONORIFICS:
            continue
        name: list[str] = []
        for following in tokens[index + 1 : index + 4]:
            if following.kind != "word" or following.role is not None:
                break
            if following.text in _ITEM_STOPWORDS:
                break
            name.append(following.text)
        if name:
            token.role = "person"
            for following in tokens[index + 1 : index + 1 + len(name)]:
                following.role = "person"
            return "".join(name)
    return None
