"""Pieces the report handlers share: which group a report is for, and the saved-record echo."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import replace

from bot.handlers.context import AFTER_RECORD, Context, reply
from bot.messages import Card, CardField, CardSection, Reply
from bot.services.errors import NotAllowed
from bot.services.records import NOT_MEMBER, resolve_group
from bot.storage.models import Role
from bot.vocabulary import CANCEL, EDIT
from bot.wording import thai_date

Check = Callable[[Context, dict[str, object]], Awaitable[None]]


def group_check(
    roles: Iterable[str] = tuple(Role), refusal: str = NOT_MEMBER, *, household_ok: bool = False
) -> Check:
    """A `check` that settles the report's group before anything is asked: the group chat's
    group, the one chosen earlier, or the person's only group; refusals come from the service."""
    allowed = tuple(roles)

    async def check(ctx: Context, slots: dict[str, object]) -> None:
        actor = ctx.actor
        if actor is None:
            raise NotAllowed(NOT_MEMBER)
        if (
            household_ok
            and not actor.groups
            and actor.household_id is not None
            and ctx.room_group_id is None
        ):
            return  # a target household reports for itself
        wanted = ctx.room_group_id if ctx.room_group_id is not None else slots.get("group_id")
        group = resolve_group(actor, wanted if isinstance(wanted, int) else None, allowed, refusal)
        slots["group_id"] = group.group_id
        slots["group_name"] = group.group_name

    return check


def saved(
    headline: str,
    details: list[str],
    when: object,
    where: object,
    *,
    fields: Sequence[CardField] = (),
) -> Reply:
    """The echo of a saved record: its text, and the same as a receipt card (what, how
    many, how much, date, group, who) with buttons to undo or edit it. `fields` lay the
    details out for the card; without them the card lists the detail lines."""
    lines = [f"{headline} ✅", *[d for d in details if d]]
    footer = []
    if when is not None:
        footer.append(f"วันที่ {thai_date(when)}")  # type: ignore[arg-type]
    if where:
        footer.append(str(where))
    if footer:
        lines.append(" · ".join(footer))
    lines.append("หากผิด กด ยกเลิก หรือ แก้ไข ได้ค่ะ")
    answer = reply("\n".join(lines), *AFTER_RECORD)
    return replace(answer, card=receipt(headline, details, footer, fields))


def receipt(
    headline: str, details: list[str], footer: list[str], fields: Sequence[CardField] = ()
) -> Card:
    laid_out = list(fields)
    plain: list[str] = []
    if not laid_out:
        for detail in (d for d in details if d):
            if detail.startswith("ของ "):
                laid_out.append(CardField("ของ", detail.removeprefix("ของ ")))
            elif detail.startswith("รวม "):
                laid_out.append(CardField("รวม", detail.removeprefix("รวม "), strong=True))
            else:
                plain.append(detail)
    title = headline.removesuffix("ค่ะ").strip()
    strong = [f.value for f in laid_out if f.strong]
    what = next((f.value for f in laid_out if not f.strong and f.label != "ของ"), "")
    alt = f"✅ {title}: " + " · ".join(x for x in (what, *strong) if x) if (what or strong) else ""
    return Card(
        kind="receipt",
        title=f"✅ {title}",
        alt=alt or f"✅ {title}",
        subtitle=" · ".join(footer),
        sections=(CardSection(fields=tuple(laid_out), lines=tuple(plain)),),
        note="กด ยกเลิก หรือ แก้ไข ได้ หากรายการนี้ไม่ถูกต้อง",
        buttons=(CANCEL, EDIT),
    )
