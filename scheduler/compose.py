"""The words of the reminders: one short, warm Thai message per person per sweep, whatever
mix of reminders is due for them (an officer's digest and follow-ups, a chair's meeting
reminder, a treasurer's figures...). Dates are Buddhist Era, numbers have separators, and
every message ends with what to do next and a quick reply that does it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from json.encoder import encode_basestring

from bot import vocabulary
from bot.calendar import BE_OFFSET, add_months
from bot.messages import REPLY_LIMITS, Card, QuickReply, Reply
from bot.wording import THAI_MONTHS_SHORT, number, thai_month
from scheduler import policy
from scheduler.policy import Due, VisitDue

# Lines shown, the rest counted ("และอีก 7 แห่ง"): a message stays well under LINE's 5,000 and
# Telegram's 4,096 characters, and short enough to read on a phone.
MAX_LISTED = 25
MAX_FOLLOWUPS = 15
SNOOZE = vocabulary.SNOOZE
LOG_VISIT = vocabulary.start_button("visit")
LOG_MEETING = vocabulary.start_button("meeting")
SEND_FIGURES = vocabulary.start_button("monthly")
LOG_TRAINING = vocabulary.start_button("training")


def first_name(name: str) -> str:
    return name.split()[0] if name.split() else name


def week_range(start: date) -> str:
    """20–26 ต.ค. 2568 · 29 ก.ย. – 5 ต.ค. 2568 · 29 ธ.ค. 2568 – 4 ม.ค. 2569."""
    end = start + timedelta(days=6)
    be_end = end.year + BE_OFFSET
    if start.month == end.month:
        return f"{start.day}–{end.day} {THAI_MONTHS_SHORT[end.month - 1]} {be_end}"
    if start.year == end.year:
        return (
            f"{start.day} {THAI_MONTHS_SHORT[start.month - 1]} – "
            f"{end.day} {THAI_MONTHS_SHORT[end.month - 1]} {be_end}"
        )
    return (
        f"{start.day} {THAI_MONTHS_SHORT[start.month - 1]} {start.year + BE_OFFSET} – "
        f"{end.day} {THAI_MONTHS_SHORT[end.month - 1]} {be_end}"
    )


def fiscal_year(start: date) -> str:
    """The reporting year starting at `start`: "ต.ค. 2567 – ก.ย. 2568"."""
    return f"{thai_month(start)} – {thai_month(add_months(start, 11))}"


def visit_line(index: int, item: VisitDue, today: date) -> str:
    days = item.days_since(today)
    last = "ยังไม่เคยเยี่ยม" if days is None else f"เยี่ยมล่าสุด {number(days)} วันก่อน"
    every = "สัปดาห์ละครั้ง" if item.every == policy.WEEK else "เดือนละครั้ง"
    return f"{index}. {item.name} — {last} ({every})"


@dataclass
class _Parts:
    lines: list[str]
    quick: list[QuickReply]

    def add_quick(self, *buttons: QuickReply) -> None:
        for button in buttons:
            if all(q.message != button.message for q in self.quick):
                self.quick.append(button)


def _digest(parts: _Parts, due: Due, visits: Sequence[VisitDue], today: date) -> None:
    if due.kind == policy.VISIT_PLAN:
        parts.lines.append(
            f"แผนเยี่ยมสัปดาห์นี้ ({week_range(due.about or today)}) มี {number(len(visits))} แห่งค่ะ"
        )
    else:
        parts.lines.append(f"ในรอบนี้ยังไม่ได้เยี่ยมอีก {number(len(visits))} แห่งค่ะ")
    shown = visits[:MAX_LISTED]
    parts.lines.extend(visit_line(i, item, today) for i, item in enumerate(shown, 1))
    if len(visits) > len(shown):
        parts.lines.append(f"และอีก {number(len(visits) - len(shown))} แห่ง")
    # One button for all: `/visit` asks which group or household, with a choice for each.
    parts.add_quick(LOG_VISIT)


def _officer_followups(parts: _Parts, dues: Sequence[Due]) -> None:
    lines = []
    for due in dues:
        month = thai_month(due.about) if due.about else ""
        if due.kind == policy.FIGURES_LATE:
            told = (
                "ยังไม่มีเหรัญญิกในระบบ พิมพ์ ออกรหัสเหรัญญิก เพื่อส่งรหัสให้กลุ่มได้ค่ะ"
                if due.nobody_reminded
                else "เตือนเหรัญญิกแล้ว"
            )
            lines.append(f"• {due.subject} ยังไม่ส่งตัวเลขรายรับ–รายจ่ายเดือน {month} ({told})")
        elif due.kind == policy.MEETING_LATE:
            lines.append(f"• {due.subject} ไม่มีบันทึกการประชุมกลุ่มในเดือน {month}")
        elif due.kind == policy.ANNUAL_LATE and due.about:
            lines.append(f"• {due.subject} ยังไม่ส่งสรุปกำไรประจำปีบัญชี {fiscal_year(due.about)}")
        elif due.kind == policy.HOUSEHOLD:
            lines.append(f"• ครัวเรือน{due.subject} ยังไม่มีบันทึกความก้าวหน้าเดือน {month}")
    if lines:
        parts.lines.append("เรื่องที่ควรติดตามค่ะ")
        parts.lines.extend(lines[:MAX_FOLLOWUPS])
        if len(lines) > MAX_FOLLOWUPS:
            parts.lines.append(f"และอีก {number(len(lines) - MAX_FOLLOWUPS)} เรื่อง")


@dataclass
class _Sorted:
    """One person's dues of a sweep, sorted into the message's sections."""

    digest: Due | None = None
    followups: list[Due] = field(default_factory=list)
    meetings: list[Due] = field(default_factory=list)
    figures: list[Due] = field(default_factory=list)
    annual: list[Due] = field(default_factory=list)
    households: list[Due] = field(default_factory=list)


def _sort(dues: Sequence[Due]) -> _Sorted:
    sorted_ = _Sorted()
    for due in dues:
        kind = due.kind
        if kind == policy.VISIT_PLAN or kind == policy.VISIT_FOLLOWUP:
            sorted_.digest = sorted_.digest or due
        elif kind == policy.MEETING:
            sorted_.meetings.append(due)
        elif kind == policy.FIGURES:
            sorted_.figures.append(due)
        elif kind == policy.ANNUAL:
            sorted_.annual.append(due)
        elif kind == policy.HOUSEHOLD and due.role != policy.OFFICER:
            sorted_.households.append(due)
        else:
            sorted_.followups.append(due)
    return sorted_


def message(name: str, dues: Sequence[Due], visits: Sequence[VisitDue], today: date) -> Reply:
    """The one message for one person: `dues` are the reminders newly due for them in this
    sweep; `visits` are the digest's lines when a digest is among them (already ordered).
    Each section adds its lines, and its closing line and button once; the closings come last,
    so the message reads: what is due, then what to type or tap."""
    due = _sort(dues)
    parts = _Parts([f"สวัสดีค่ะ คุณ{first_name(name)} 🌱"], [])
    closing: list[str] = []
    _officer_sections(parts, closing, due, visits, today)
    _meeting_section(parts, closing, due.meetings, today)
    _figures_section(parts, closing, due.figures, today)
    for annual in due.annual:
        parts.lines.append(
            f"เริ่มปีบัญชีใหม่แล้วค่ะ 🎉 กรุณาสรุปกำไรขาดทุนของ{annual.subject} "
            f"ประจำปีบัญชี {fiscal_year(annual.about or today)} แล้วส่งให้พัฒนากรด้วยนะคะ"
        )
    _households_section(parts, closing, due.households, today)
    quick = (*parts.quick[: REPLY_LIMITS.quick_replies - 1], SNOOZE)
    return Reply(text="\n".join(parts.lines + closing), quick_replies=quick, card=REMINDER_CARD)


def _officer_sections(
    parts: _Parts, closing: list[str], due: _Sorted, visits: Sequence[VisitDue], today: date
) -> None:
    if due.digest is not None:
        _digest(parts, due.digest, visits, today)
    if due.followups:
        order = (policy.FIGURES_LATE, policy.MEETING_LATE, policy.ANNUAL_LATE, policy.HOUSEHOLD)
        _officer_followups(parts, sorted(due.followups, key=lambda d: order.index(d.kind)))
    if due.digest is not None and visits:
        closing.append("เยี่ยมแล้วกด บันทึกการเยี่ยม เพื่อบันทึกผลได้เลยค่ะ 🙏")
    elif due.followups:
        closing.append("ช่วยติดตามกับกลุ่มด้วยนะคะ เยี่ยมแล้วกด บันทึกการเยี่ยม ได้เลยค่ะ 🙏")
        parts.add_quick(LOG_VISIT)


def _meeting_section(parts: _Parts, closing: list[str], meetings: list[Due], today: date) -> None:
    for due in meetings:
        parts.lines.append(
            f"เดือน {thai_month(due.about or today)} {due.subject} ยังไม่มีบันทึกการประชุมกลุ่มค่ะ "
            "กลุ่มควรประชุมอย่างน้อยเดือนละครั้งนะคะ"
        )
    if meetings:
        closing.append("ประชุมแล้วพิมพ์ เช่น ประชุม สมาชิกมา 12 คน เรื่องแบ่งงาน หรือกด บันทึกการประชุม ค่ะ")
        parts.add_quick(LOG_MEETING)


def _figures_section(parts: _Parts, closing: list[str], figures: list[Due], today: date) -> None:
    for due in figures:
        month = thai_month(due.about or today)
        if due.stage == 0:
            parts.lines.append(f"ถึงเวลาส่งตัวเลขรายรับ–รายจ่ายเดือน {month} ของ{due.subject}แล้วค่ะ")
        else:
            parts.lines.append(
                f"ขอเตือนอีกครั้งนะคะ ยังไม่ได้รับตัวเลขรายรับ–รายจ่ายเดือน {month} ของ{due.subject}ค่ะ"
            )
    if figures:
        closing.append("พิมพ์ เช่น รายรับ 12,000 รายจ่าย 4,500 หรือกด ส่งตัวเลขเดือน ได้เลยค่ะ")
        parts.add_quick(SEND_FIGURES)


def _households_section(
    parts: _Parts, closing: list[str], households: list[Due], today: date
) -> None:
    if not households:
        return
    parts.lines.append(
        f"ครัวเรือนที่ยังไม่มีบันทึกความก้าวหน้าเดือน {thai_month(households[0].about or today)} ค่ะ"
    )
    parts.lines.extend(f"• {d.subject}" for d in households[:MAX_LISTED])
    if len(households) > MAX_LISTED:
        parts.lines.append(f"และอีก {number(len(households) - MAX_LISTED)} ครัวเรือน")
    closing.append("ช่วยติดตามให้กำลังใจ แล้วบันทึกการอบรมหรือกิจกรรมด้วยนะคะ 🙏")
    parts.add_quick(LOG_TRAINING)


# On LINE and Telegram the same words in a card, the quick replies as its buttons: the same
# card for everyone (the sweep encodes it once).
REMINDER_CARD = Card(kind="reminder", title="🔔 แจ้งเตือนจากผู้ช่วยสัมมาชีพ", text_body=True)


# Payload JSON around the text, per set of quick replies: "prefix" + encoded text + "suffix".
_FRAMES: dict[tuple[object, ...], tuple[str, str]] = {}
_MARK = "\x00text\x00"


def payload_json(reply: Reply) -> str:
    """`reply.to_payload()` as JSON text. A sweep writes a hundred thousand payloads that
    differ only in their text, so the rest is encoded once and the text spliced in."""
    payload = reply.to_payload()
    shared = ("text", "quick_replies", "card")
    if any(v is not None for k, v in payload.items() if k not in shared) or (
        reply.card is not None and not reply.card.text_body
    ):
        return json.dumps(payload, ensure_ascii=False)  # an image or the like: no shortcut
    key = (reply.quick_replies, reply.card, *payload)
    frame = _FRAMES.get(key)
    if frame is None:
        framed = json.dumps({**payload, "text": _MARK}, ensure_ascii=False)
        prefix, _, suffix = framed.partition(json.dumps(_MARK, ensure_ascii=False))
        frame = _FRAMES[key] = (prefix, suffix)
    return frame[0] + encode_basestring(reply.text) + frame[1]
