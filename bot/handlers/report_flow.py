"""The one engine behind every report, typed freely or guided by a slash command: fill what
the message said, ask only for what is missing (one question at a time), confirm where the
programme requires it, then save. The partly-filled report lives in the conversation state,
so it survives restarts and can be answered on any worker."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.handlers.context import CONFIRM, Context, choices, reply
from bot.messages import QuickReply, Reply
from bot.nlu.result import Parsed
from bot.services.errors import NeedsChoice

Slots = dict[str, Any]

DECIMAL_SLOTS = ("quantity", "unit_price", "amount", "income", "expenses", "balance", "hours")
TEXT_SLOTS = ("item", "topics", "decisions", "unit", "activity_kind", "person", "target")
CANCEL_WORDS = ("ยกเลิก", "/cancel", "cancel", "ไม่เอา", "ไม่ใช่")
CONFIRM_WORDS = ("ยืนยัน", "ตกลง", "ใช่", "ok", "โอเค", "yes", "/confirm")
CANCEL = QuickReply("ยกเลิก")


@dataclass(frozen=True)
class Question:
    text: str
    quick: tuple[QuickReply, ...] = ()


@dataclass(frozen=True)
class ReportSpec:
    """What one kind of report needs. `check` refuses early (before any question is asked)
    and may fill slots such as the group; `save` calls the use case and returns the echo."""

    intent: str
    required: tuple[str, ...]
    questions: dict[str, Question]
    save: Callable[[Context, Slots], Awaitable[Reply]]
    check: Callable[[Context, Slots], Awaitable[None]] | None = None
    # What to show for confirmation before saving; None from it means "no need to confirm".
    summary: Callable[[Context, Slots], Awaitable[str | None]] | None = None


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
            if cleaned:
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
    return slots


# --- the engine ---------------------------------------------------------------------------


async def run(ctx: Context, spec: ReportSpec, slots: Slots) -> Reply:
    try:
        if spec.check is not None:
            await spec.check(ctx, slots)
    except NeedsChoice as choice:
        options = {label: value for value, label in choice.options}
        await ctx.start_flow(
            spec.intent,
            {"slots": slots, "asking": "_choice", "slot": choice.slot, "options": options},
        )
        return reply(choice.message, *choices(list(options), CANCEL))

    for name in (*spec.required, *slots.get("_need", ())):
        if slots.get(name) is None:
            question = spec.questions.get(name) or COMMON_QUESTIONS[name]
            await ctx.start_flow(spec.intent, {"slots": slots, "asking": name})
            return reply(question.text, *question.quick, CANCEL)

    if spec.summary is not None and not slots.get("_confirmed"):
        text = await spec.summary(ctx, slots)
        if text is not None:
            await ctx.start_flow(spec.intent, {"slots": slots, "asking": "_confirm"})
            return reply(f"{text}\nถูกต้องไหมคะ กด ยืนยัน เพื่อบันทึก หรือ ยกเลิก ค่ะ", *CONFIRM)

    await ctx.end_flow()
    return await spec.save(ctx, slots)


async def resume(ctx: Context, spec: ReportSpec, data: dict[str, Any]) -> Reply:
    """The person answered the question the flow asked."""
    slots: Slots = dict(data.get("slots", {}))
    asking = str(data.get("asking", ""))
    raw = ctx.text.strip()
    if asking == "_confirm":
        if raw.lower() in CONFIRM_WORDS:
            slots["_confirmed"] = True
            return await run(ctx, spec, slots)
        # Anything else is read as a correction of the figures, then confirmed again.
        parsed = ctx.parsed()
        corrected = {**slots, **slots_from(parsed)}
        if corrected == slots:
            return reply("ขอโทษค่ะ กด ยืนยัน เพื่อบันทึก หรือ ยกเลิก หากไม่ต้องการค่ะ", *CONFIRM)
        return await run(ctx, spec, corrected)
    if asking == "_choice":
        options: dict[str, Any] = data.get("options", {})
        chosen = [(label, value) for label, value in options.items() if raw == label]
        if not chosen:
            chosen = [(lb, v) for lb, v in options.items() if raw and (raw in lb or lb in raw)]
        if len(chosen) != 1:
            return reply("กรุณาเลือกจากปุ่มด้านล่างค่ะ", *choices(list(options), CANCEL))
        slots[str(data.get("slot", "group_id"))] = chosen[0][1]
        slots["choice_label"] = chosen[0][0]
        return await run(ctx, spec, slots)
    parsed = ctx.parsed()
    merged = answer(slots, asking, parsed, raw)
    if merged == slots:
        question = spec.questions.get(asking, Question("ขอโทษค่ะ ไม่เข้าใจคำตอบ ลองพิมพ์ใหม่อีกครั้งนะคะ"))
        return reply(f"ขอโทษค่ะ ยังไม่เข้าใจ {question.text}", *question.quick, CANCEL)
    return await run(ctx, spec, merged)
