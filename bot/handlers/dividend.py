"""ปันผล 12,000 บาท ปี 2568 — the treasurer shares profit by recorded work. The bot shows the
table (who worked how much, who gets what, to the satang), and records the payout on ยืนยัน."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from statistics import median

from bot.calendar import BE_OFFSET
from bot.handlers.common import group_check, saved
from bot.handlers.context import Context
from bot.handlers.record_flow import Question, RecordSpec, Slots, dec
from bot.messages import Card, CardField, CardSection, Reply
from bot.services import dividends
from bot.services.errors import InvalidInput
from bot.services.officer_news import dividend_news, tell_group_officer
from bot.services.periods import last_completed_year, reporting_year, year_containing
from bot.services.records import TREASURER_ONLY
from bot.storage.models import Role
from bot.vocabulary import SUMMARY
from bot.wording import baht, number, thai_date

YEAR = re.compile(r"ปี(?:งบประมาณ|งบ)?\s*(?:พ\.?ศ\.?)?\s*([0-9๐-๙]{2,4})")
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def named_year(text: str) -> int | None:
    """The BE year named in the text: "ปี 2568", "ปี 68", "ปีงบ 2025" (CE is converted)."""
    match = YEAR.search(text)
    if not match:
        return None
    year = int(match.group(1).translate(THAI_DIGITS))
    if year < 100:
        return 2500 + year
    return year + BE_OFFSET if year < 2400 else year


def without_year(text: str) -> str:
    return YEAR.sub(" ", text)


def _start_month(ctx: Context) -> int:
    return ctx.settings.fiscal_year_start_month


async def check(ctx: Context, slots: Slots) -> None:
    await group_check((Role.TREASURER,), TREASURER_ONLY)(ctx, slots)
    if "be_year" not in slots:
        slots["be_year"] = named_year(ctx.text) or last_completed_year(ctx.today, _start_month(ctx))


async def _plan(ctx: Context, slots: Slots) -> dividends.DividendPlan:
    assert ctx.actor is not None
    start, end = reporting_year(int(slots["be_year"]), _start_month(ctx))
    return await dividends.plan_dividend(
        ctx.uow,
        ctx.actor,
        group_id=slots.get("group_id"),
        total=dec(slots, "amount"),
        start=start,
        end=end,
    )


def _period(plan: dividends.DividendPlan) -> str:
    last_day = plan.end.toordinal() - 1
    return f"{thai_date(plan.start)} – {thai_date(date.fromordinal(last_day))}"


async def summary(ctx: Context, slots: Slots) -> str:
    try:
        plan = await _plan(ctx, slots)
    except InvalidInput as error:
        current = year_containing(ctx.today, _start_month(ctx))
        raise InvalidInput(
            f"{error.message}\n(ปี {slots['be_year']}) หากหมายถึงปีนี้ พิมพ์ เช่น ปันผล 12,000 บาท ปี {current}"
        ) from error
    lines = [
        f"ปันผล {baht(plan.total)} ปี {slots['be_year']} ({_period(plan)})",
        f"แบ่งตามงานที่บันทึกไว้ รวม {number(plan.total_units)} หน่วย:",
    ]
    outliers = _outliers(plan)
    for share in plan.shares:
        flag = " ⚠️" if share.person_id in outliers else ""
        lines.append(f"• {share.name}: งาน {number(share.units)} → {baht(share.amount)}{flag}")
    if outliers:
        names = ", ".join(s.name for s in plan.shares if s.person_id in outliers)
        lines.append(
            f"⚠️ งานของ {names} มากกว่าคนอื่นในกลุ่มหลายเท่า ลองตรวจสอบรายการงานก่อนยืนยันนะคะ "
            "(พิมพ์ สรุป เพื่อดูงานที่บันทึก)"
        )
    lines.append("ทำมากได้มาก ทำน้อยได้น้อย ไม่ทำไม่ได้")
    return "\n".join(lines)


OUTLIER_FACTOR = Decimal(3)  # a share of work this many times the group's median is checked


def _outliers(plan: dividends.DividendPlan) -> set[int]:
    """Members whose recorded work is far above the others': money follows those hours, so
    a typo (24 hours a day, every day) is worth a look before the treasurer confirms."""
    worked = sorted(s.units for s in plan.shares if s.units > 0)
    if len(worked) < 3:
        return set()
    middle = median(worked)
    return {s.person_id for s in plan.shares if s.units > middle * OUTLIER_FACTOR}


async def save(ctx: Context, slots: Slots) -> Reply:
    assert ctx.actor is not None
    plan = await _plan(ctx, slots)
    paid = await dividends.pay_dividend(
        ctx.uow, ctx.actor, plan, today=ctx.today, source_ref=ctx.message.source_ref
    )
    details = [f"รวม {baht(paid.total)} ให้สมาชิก {sum(1 for s in plan.shares if s.amount > 0)} คน"]
    sent = await _send_slips(ctx, plan, str(slots.get("group_name") or ""), int(slots["be_year"]))
    if sent:
        details.append(f"ส่งใบแจ้งปันผลให้สมาชิกทางแชตส่วนตัวแล้ว {sent} คน")
    paid_members = sum(1 for s in plan.shares if s.amount > 0)
    news = dividend_news(
        paid, str(slots.get("group_name") or ""), int(slots["be_year"]), _period(plan),
        ctx.actor.name, paid_members,
    )  # fmt: skip
    told = await tell_group_officer(ctx.uow, plan.group_id, news, ctx.now)
    if told is not None and told.chats:
        details.append(f"แจ้งคุณ{told.officer} (พัฒนากร) ทางแชตส่วนตัวแล้ว")
    return saved("บันทึกการจ่ายปันผลแล้วค่ะ", details, paid.on_date, slots.get("group_name"))


SLIP_CHANNELS = ("line", "telegram")  # where a member has a private chat to receive it


def slip(share: dividends.Share, plan: dividends.DividendPlan, group: str, be_year: int) -> Reply:
    """One member's dividend slip: their work, the group's, their share. Personal: it is only
    ever sent to the member's own private chat."""
    text = (
        f"🎁 ใบแจ้งปันผล {group} ปี {be_year}\n"
        f"คุณ{share.name}: งานที่บันทึก {number(share.units)} หน่วย "
        f"จากงานรวม {number(plan.total_units)} หน่วย\n"
        f"ปันผลรวมของกลุ่ม {baht(plan.total)} → ส่วนของคุณ {baht(share.amount)}\n"
        "ทำมากได้มาก ทำน้อยได้น้อย ไม่ทำไม่ได้ · สงสัยสอบถามเหรัญญิกได้ค่ะ"
    )
    card = Card(
        kind="slip",
        title="🎁 ใบแจ้งปันผล",
        alt=f"🎁 ปันผล{group} ปี {be_year}: ส่วนของคุณ {baht(share.amount)}",
        subtitle=f"{group} · ปี {be_year} ({_period(plan)})",
        sections=(
            CardSection(
                fields=(
                    CardField("สมาชิก", share.name),
                    CardField("งานที่บันทึก", f"{number(share.units)} หน่วย"),
                    CardField("งานรวมของกลุ่ม", f"{number(plan.total_units)} หน่วย"),
                    CardField("ปันผลรวม", baht(plan.total)),
                    CardField("ส่วนของคุณ", baht(share.amount), strong=True),
                )
            ),
        ),
        note="ทำมากได้มาก ทำน้อยได้น้อย ไม่ทำไม่ได้ · สงสัยสอบถามเหรัญญิกได้ค่ะ",
        buttons=(SUMMARY,),
    )
    return Reply(text, (SUMMARY,), card=card)


async def _send_slips(ctx: Context, plan: dividends.DividendPlan, group: str, be_year: int) -> int:
    """Each member with a share gets their slip in their own private chat (pushed, in this
    transaction: it goes if and only if the dividend is recorded)."""
    people = 0
    for share in plan.shares:
        if share.amount <= 0:
            continue
        accounts = [
            a for a in await ctx.uow.people.accounts_of(share.person_id)
            if a.channel in SLIP_CHANNELS and not a.blocked
        ]  # fmt: skip
        for account in accounts:
            await ctx.uow.outbox.add(
                account.channel,
                account.external_id,
                slip(share, plan, group, be_year).to_payload(),
                available_at=ctx.now,
                kind="push",
                chat_account_id=account.id,
            )
        people += 1 if accounts else 0
    return people


SPEC = RecordSpec(
    intent="dividend",
    required=("amount",),
    questions={"amount": Question("จะแบ่งปันผลทั้งหมดกี่บาทคะ เช่น 12,000 บาท")},
    save=save,
    check=check,
    summary=summary,
)
