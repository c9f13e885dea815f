"""แผนเยี่ยมสัปดาห์นี้ / /plan — an officer's visits due now, on demand: the same list, order and
cadence as the Monday digest (scheduler/policy.py), for their own groups and households."""

from __future__ import annotations

from dataclasses import replace

from bot.handlers.context import Context, reply
from bot.messages import Card, CardSection, Reply
from bot.services.errors import NotAllowed
from bot.vocabulary import MENU, start_button
from bot.wording import number
from scheduler import compose, policy

OFFICER_ONLY = "ขออภัยค่ะ แผนเยี่ยมใช้ได้เฉพาะพัฒนากรค่ะ พิมพ์ เมนู เพื่อดูสิ่งที่ทำได้นะคะ"
LOG_VISIT = start_button("visit")


async def due_visits(ctx: Context, officer_id: int) -> list[policy.VisitDue]:
    """The officer's groups and households due a visit in the current period, most overdue
    first (what the digest lists)."""
    moment = policy.Moment.of(ctx.now, ctx.settings.tz)
    base = policy.Cadence.from_settings(ctx.settings)
    found: list[policy.VisitDue] = []
    groups = await ctx.uow.records.groups_last_visited(officer_id, moment.today)
    for group, last_visit in groups:
        cadence = base.override(group.settings or None)
        facts = policy.GroupFacts(
            group.id, group.name, group.officer_id, group.founded_on, last_visit
        )
        due = policy.visit_due(facts, cadence, moment)
        if due is not None:
            found.append(due)
    if ctx.settings.digest_households:
        households = await ctx.uow.records.households_last_visited(officer_id, moment.today)
        for household, last_visit in households:
            facts_h = policy.HouseholdFacts(
                household.id, household.head_name, household.officer_id, last_visit=last_visit
            )
            due = policy.household_visit_due(facts_h, moment)
            if due is not None:
                found.append(due)
    return policy.order_visits(found)


async def show(ctx: Context) -> Reply:
    actor = ctx.actor
    if actor is None or actor.officer_id is None:
        raise NotAllowed(OFFICER_ONLY)
    moment = policy.Moment.of(ctx.now, ctx.settings.tz)
    visits = await due_visits(ctx, actor.officer_id)
    week = compose.week_range(moment.week_start)
    if not visits:
        return reply(f"สัปดาห์นี้ ({week}) เยี่ยมครบตามรอบแล้วค่ะ 🎉 ไม่มีกลุ่มหรือครัวเรือนค้างเยี่ยม", MENU)
    shown = visits[: compose.MAX_LISTED]
    lines = [compose.visit_line(i, item, moment.today) for i, item in enumerate(shown, 1)]
    if len(visits) > len(shown):
        lines.append(f"และอีก {number(len(visits) - len(shown))} แห่ง")
    head = f"แผนเยี่ยมสัปดาห์นี้ ({week}) มี {number(len(visits))} แห่งค่ะ"
    answer = reply(
        "\n".join([head, *lines, "เยี่ยมแล้วกด บันทึกการเยี่ยม เพื่อบันทึกผลได้เลยค่ะ 🙏"]),
        LOG_VISIT,
        MENU,
    )
    card = Card(
        kind="summary",
        title="🗓️ แผนเยี่ยมสัปดาห์นี้",
        alt=head,
        subtitle=f"{week} · {number(len(visits))} แห่ง เรียงจากค้างนานที่สุด",
        sections=(CardSection(lines=tuple(lines)),),
        note="เยี่ยมแล้วกด บันทึกการเยี่ยม เพื่อบันทึกผลค่ะ",
        buttons=(LOG_VISIT,),
    )
    return replace(answer, card=card)
