"""The one engine behind every record, typed freely or guided by a slash command: fill what
the message said, ask only for what is missing (one question at a time), confirm where the
programme requires it, then save. The partly-filled record lives in the conversation state,
so it survives restarts and can be answered on any worker."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.calendar import previous_month
from bot.handlers import voice
from bot.handlers.context import CONFIRM, Context, choices, reply
from bot.labels import label_matches
from bot.messages import QuickReply, Reply
from bot.nlu.result import Parsed
from bot.services.errors import NeedsChoice
from bot.services.records import MAX_AMOUNT
from bot.vocabulary import command_of
from bot.wording import number, quantity, thai_month

Slots = dict[str, Any]

DECIMAL_SLOTS = ("quantity", "unit_price", "amount", "income", "expenses", "balance", "hours")
TEXT_SLOTS = ("item", "topics", "decisions", "unit", "activity_kind", "person", "target",
              "households")  # fmt: skip
CANCEL = QuickReply("ยกเลิก")
# Answers to a free-text question that mean "nothing to add".
NOTHING_TO_ADD = frozenset({"ไม่ระบุ", "ไม่มี", "-", "ไม่มีค่ะ", "ไม่มีครับ", "ไม่ระบุค่ะ"})
NOT_SAVED = "ไม่ได้บันทึกค่ะ พิมพ์ใหม่ได้ทุกเมื่อ หรือพิมพ์ เมนู เพื่อดูตัวอย่างค่ะ"


@dataclass(frozen=True)
class Question:
    text: str
    quick: tuple[QuickReply, ...] = ()


@dataclass(frozen=True)
class RecordSpec:
    """What one kind of record needs. `check` refuses early (before any question is asked)
    and may fill slots such as the group; `save` calls the use case and returns the echo."""

    intent: str
    required: tuple[str, ...]
    questions: dict[str, Question]
    save: Callable[[Context, Slots], Awaitable[Reply]]
    check: Callable[[Context, Slots], Awaitable[None]] | None = None
    # What to show for confirmation before saving; None from it means "no need to confirm".
    summary: Callable[[Context, Slots], Awaitable[str | None]] | None = None
    # Buttons for a question that depend on the person (their households, their members).
    buttons: Callable[[Context, str], Awaitable[tuple[QuickReply, ...]]] | None = None


# --- converting between parse results and the JSON-safe slot dictionary --------------------


def slots_from(parsed: Parsed) -> Slots:
    slots: Slots = {}
    for name in DECIMAL_SLOTS:
        value = getattr(parsed, name)
        if value is not None:
            slots[name] = str(value)
    if parsed.date is not None:
        slots["date"] = parsed.date.isoformat()
    if parsed.month is not None:
        slots["month"] = parsed.month.isoformat()
    for name in ("item", "unit", "topics", "activity_kind", "person"):
        value = getattr(parsed, name)
        if value:
            slots[name] = value
    if parsed.attendees is not None:
        slots["attendees"] = parsed.attendees
    if parsed.items:
        slots["items"] = [
            {name: (str(v) if v is not None and name != "item" else v)
             for name in ("item", "quantity", "unit", "unit_price", "amount")
             if (v := getattr(line, name)) is not None}
            for line in parsed.items
        ]  # fmt: skip
    if parsed.names:
        slots["names"] = list(parsed.names)
    return slots


def dec(slots: Slots, name: str) -> Decimal | None:
    value = slots.get(name)
    return None if value is None else Decimal(str(value))


def day_of(slots: Slots, name: str = "date") -> date | None:
    value = slots.get(name)
    return None if value is None else date.fromisoformat(value)


_BARE_NUMBER = re.compile(r"^\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*(?:บาท|บ\.?|฿|คน|ชม\.?|ชั่วโมง)?\s*$")


def bare_number(parsed: Parsed) -> Decimal | None:
    """An answer that is just a number ("250", "250 บาท", "๑๒ คน") to a question that asked
    for one: the parser has no intent for it, but the question gives it its meaning."""
    for value in (parsed.amount, parsed.quantity, parsed.hours):
        if value is not None:
            return value
    if parsed.attendees is not None:
        return Decimal(parsed.attendees)
    match = _BARE_NUMBER.match(parsed.text)
    if match:
        try:
            return Decimal(match.group(1).replace(",", ""))
        except InvalidOperation:
            return None
    return None


def answer(slots: Slots, asking: str, parsed: Parsed, raw: str) -> Slots:
    """Merges the answer to the question about `asking` into the slots."""
    given = slots_from(parsed)
    merged = {**slots, **{k: v for k, v in given.items() if k not in slots or k == asking}}
    if merged.get(asking) is None:
        if asking in (*DECIMAL_SLOTS, "amount_done"):
            number = bare_number(parsed)
            if number is not None:
                merged[asking] = str(number)
        elif asking == "attendees":
            number = bare_number(parsed)
            if number is not None and number == number.to_integral_value():
                merged[asking] = int(number)
        elif asking in TEXT_SLOTS:
            cleaned = " ".join(raw.split())[:500]
            if cleaned in NOTHING_TO_ADD:
                merged[asking] = ""  # answered: nothing to add
            elif cleaned:
                merged[asking] = cleaned
    if merged.get("amount") is None and merged.get("quantity") and merged.get("unit_price"):
        # "ฟองละ 5" answers "how much in total?" once the quantity is known.
        merged["amount"] = str(Decimal(merged["quantity"]) * Decimal(merged["unit_price"]))
    return merged


COMMON_QUESTIONS = {
    "date": Question(
        "วันที่ยังไม่ชัดเจนค่ะ ทำเมื่อวันไหนคะ เช่น วันนี้ เมื่อวาน หรือ 15 ต.ค.",
        (QuickReply("วันนี้"), QuickReply("เมื่อวาน")),
    ),
    "month": Question("รายงานของเดือนไหนคะ เช่น เดือน ต.ค. 68", (QuickReply("เดือนที่แล้ว"),)),
    "amount": Question("ได้เงินทั้งหมดกี่บาทคะ เช่น 250 บาท"),
    "item": Question("เป็นรายการอะไรคะ เช่น ไข่เค็ม"),
    "quantity": Question("จำนวนเท่าไรคะ เช่น 30 ฟอง"),
    "income": Question("รายรับทั้งหมดกี่บาทคะ เช่น 12,500"),
    "expenses": Question("รายจ่ายทั้งหมดกี่บาทคะ เช่น 4,000"),
    "balance": Question("ยอดเงินคงเหลือกี่บาทคะ"),
    "attendees": Question("มีผู้เข้าร่วมกี่คนคะ เช่น 12 คน"),
    "hours": Question("ทำงานกี่ชั่วโมงคะ เช่น 3 ชั่วโมง"),
}

# Parser ambiguity codes (bot/nlu/README.md) that mean "ask for this slot, do not guess it";
# "number" is an unclear number word, asked as the report's money slot.
AMBIGUITY_SLOTS = {
    code: code
    for code in ("date", "month", "amount", "item", "quantity", "income", "expenses", "balance",
                 "attendees", "hours")
}  # fmt: skip


def start_slots(parsed: Parsed, money_slot: str = "amount") -> Slots:
    """Slots from a free-text report; what the parser flagged as unclear is dropped and asked."""
    slots = slots_from(parsed)
    need: list[str] = []
    for code in parsed.ambiguous:
        slot = money_slot if code in ("number", "amount") else AMBIGUITY_SLOTS.get(code)
        if slot is not None:
            slots.pop(slot, None)
            if slot not in need:
                need.append(slot)
    if need:
        slots["_need"] = need
        # Said, but not in a way that can be kept: the question says so.
        slots["_why"] = {n: "unclear" for n in need if n in ("date", "month")}
    if "unit" in parsed.ambiguous and parsed.unit:
        slots["_check_unit"] = parsed.unit  # a count word the bot does not know: confirm it
    return slots


# --- the engine ---------------------------------------------------------------------------

_BIG_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _over_limit(text: str) -> bool:
    """The message carries a number above the most the bot records (10,000,000 baht)."""
    for match in _BIG_NUMBER.finditer(text.translate(_THAI_DIGITS)):
        try:
            if Decimal(match.group(0).replace(",", "")) > MAX_AMOUNT:
                return True
        except InvalidOperation:
            continue
    return False


_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def _why(ctx: Context, slots: Slots, name: str) -> str:
    """Why a slot is asked again, when it was said but cannot be kept."""
    reason = slots.get("_why", {}).get(name)
    if reason == "future":
        return "วันที่ที่บอกมายังมาไม่ถึงค่ะ " if name == "date" else "เดือนที่บอกมายังไม่ถึงค่ะ "
    if reason == "unclear" and name == "month":
        return "เดือนที่บอกมายังไม่ถึงหรือยังไม่ชัดเจนค่ะ "
    if name in ("amount", "income", "expenses") and _over_limit(ctx.text):
        return f"ยอดเงินเกิน {number(MAX_AMOUNT)} บาท ซึ่งเป็นยอดสูงสุดที่บันทึกได้ค่ะ "
    return ""


def _not_yet(ctx: Context, slots: Slots) -> None:
    """A day after today or a month not started yet is asked, never saved: people mean the
    past when they report (a plan is not a report)."""
    reasons: dict[str, str] = dict(slots.get("_why", {}))
    day = day_of(slots)
    if day is not None and day > ctx.today:
        slots.pop("date")
        reasons["date"] = "future"
    month = day_of(slots, "month")
    if month is not None and month > ctx.today.replace(day=1):
        slots.pop("month")
        reasons["month"] = "future"
    for name in reasons:
        need = slots.setdefault("_need", [])
        if name not in need:
            need.append(name)
    if reasons:
        slots["_why"] = reasons


async def _question(ctx: Context, spec: RecordSpec, slots: Slots, name: str) -> Reply:
    question = spec.questions.get(name) or COMMON_QUESTIONS[name]
    text = question.text
    if "{month}" in text:
        month = day_of(slots, "month") or previous_month(ctx.today)
        text = text.replace("{month}", thai_month(month))
    if "{item}" in text:  # "ขายกบ ได้เงินทั้งหมดกี่บาทคะ": the question says what it is about
        what = str(slots.get("item") or "")
        if slots.get("quantity") is not None:
            what += (
                f" {quantity(Decimal(str(slots['quantity'])))} {slots.get('unit') or ''}".rstrip()
            )
        text = text.replace("{item}", what)
    extra = await spec.buttons(ctx, name) if spec.buttons is not None else ()
    return reply(f"{_so_far(spec, slots, name)}{_why(ctx, slots, name)}{text}", *extra,
                 *question.quick, CANCEL)  # fmt: skip


def _so_far(spec: RecordSpec, slots: Slots, name: str) -> str:
    """ "ขายผ้าไหม 3,500 บาท — ": what was understood, before asking only the day or month."""
    if name not in ("date", "month"):
        return ""
    amount = dec(slots, "amount")
    words = {"sale": "ขาย", "income": "รายรับ ", "expense": "รายจ่าย "}.get(spec.intent)
    if words is None or amount is None:
        return ""
    return f"{words}{slots.get('item') or ''} {number(amount)} บาท — ".replace("  ", " ")


async def ask(ctx: Context, flow: str, data: dict[str, Any], question: Reply) -> Reply:
    """Saves the flow with its question, so a later "ทำต่อ" asks it again word for word."""
    await ctx.start_flow(flow, data, question)
    return question


async def run(ctx: Context, spec: RecordSpec, slots: Slots) -> Reply:
    if ctx.voice is not None:
        slots["_voice"] = ctx.voice  # said, not typed: shown and confirmed before saving
    try:
        if spec.check is not None:
            await spec.check(ctx, slots)
    except NeedsChoice as choice:
        options = {label: value for value, label in choice.options}
        question = reply(choice.message, *choices(list(options), CANCEL))
        data = {"slots": slots, "asking": "_choice", "slot": choice.slot, "options": options}
        return await ask(ctx, spec.intent, data, question)

    _not_yet(ctx, slots)
    for name in (*spec.required, *slots.get("_need", ())):
        if slots.get(name) is None:
            question = await _question(ctx, spec, slots, name)
            return await ask(ctx, spec.intent, {"slots": slots, "asking": name}, question)

    if slots.get("_voice") and not slots.get("_confirmed"):
        shown = await spec.summary(ctx, slots) if spec.summary is not None else None
        question = voice.confirmation(ctx, spec.intent, slots, shown)
        return await ask(ctx, spec.intent, {"slots": slots, "asking": "_confirm"}, question)
    if spec.summary is not None and not slots.get("_confirmed"):
        text = await spec.summary(ctx, slots)
        if text is not None:
            question = reply(f"{text}\nถูกต้องไหมคะ กด ยืนยัน เพื่อบันทึก หรือ ยกเลิก ค่ะ", *CONFIRM)
            return await ask(ctx, spec.intent, {"slots": slots, "asking": "_confirm"}, question)

    await ctx.end_flow()
    saved = await spec.save(ctx, slots)
    if slots.get("_voice"):
        await voice.attach(ctx, slots["_voice"])
    return saved


def _again(data: dict[str, Any], sorry: str = "ขอโทษค่ะ ยังไม่เข้าใจคำตอบ 🙏") -> Reply:
    """The waiting question once more, with one short apology and its own buttons."""
    asked = data.get("question") or {}
    quick = tuple(QuickReply(label, text) for label, text in asked.get("quick", []))
    return Reply(f"{sorry}\n{asked.get('text', '')}".strip(), quick or (CANCEL,))


async def resume(ctx: Context, spec: RecordSpec, data: dict[str, Any]) -> Reply:
    """The person answered the question the flow asked."""
    slots: Slots = dict(data.get("slots", {}))
    asking = str(data.get("asking", ""))
    raw = ctx.text.strip()
    said = command_of(raw)
    if asking == "_confirm":
        if said is not None and said.name == "confirm" and ctx.message.kind == "audio":
            return _again(data, voice.CONFIRM_BY_TAP)  # a misheard "ใช่" must not save
        if said is not None and said.name == "confirm":
            slots["_confirmed"] = True
            return await run(ctx, spec, slots)
        if said is not None and said.name == "decline":
            await ctx.end_flow()
            return reply(NOT_SAVED, QuickReply("เมนู"))
        # Figures of the same report correct what was shown, which is then confirmed again.
        corrected = {**slots, **{k: v for k, v in slots_from(ctx.parsed()).items() if k != "date"}}
        if corrected == slots:
            return _again(data, "กด ยืนยัน เพื่อบันทึก หรือ ยกเลิก หากไม่ต้องการค่ะ")
        corrected.pop("_confirmed", None)
        return await run(ctx, spec, corrected)
    if asking == "_choice":
        options: dict[str, Any] = data.get("options", {})
        chosen = [(label, value) for label, value in options.items() if raw == label]
        if not chosen:  # a part of the option, or its shortened caption ("กลุ่มทอผ้าไหมบ้าน…")
            chosen = [(lb, v) for lb, v in options.items() if label_matches(raw, lb)]
        if len(chosen) != 1:
            return _again(data, "กรุณาเลือกจากปุ่มด้านล่างค่ะ")
        slots[str(data.get("slot", "group_id"))] = chosen[0][1]
        slots["choice_label"] = chosen[0][0]
        return await run(ctx, spec, slots)
    parsed = ctx.parsed()
    merged = answer(slots, asking, parsed, raw)
    if merged.get("_why", {}).get(asking) and merged.get(asking) is not None:
        merged["_why"] = {k: v for k, v in merged["_why"].items() if k != asking}
    if merged == slots:
        return _again(data)
    return await run(ctx, spec, merged)
