"""What a treasurer sends the group's officer reaches the officer: the annual summary and a
confirmed dividend are pushed to the officer's own private chats (a `ChatAccount` is always a
person's private chat with the bot; a group chat is a `ChatRoom` and never gets these). The
push is an outbox row written in the same transaction as the record, so it goes if and only
if the record is kept. An officer with no linked chat still sees both on the dashboard and in
the district workbook."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.messages import Card, CardField, CardSection, Reply
from bot.storage.models import AnnualSummary, Dividend
from bot.storage.unit_of_work import UnitOfWork
from bot.vocabulary import DASHBOARD
from bot.wording import baht, number, thai_date


@dataclass(frozen=True, slots=True)
class Told:
    """The group's officer, and how many of their private chats the news was pushed to."""

    officer: str
    chats: int


async def tell_group_officer(
    uow: UnitOfWork, group_id: int, news: Reply, now: datetime
) -> Told | None:
    """Pushes `news` to every private chat of the group's officer that has not blocked the
    bot. None when the group has no officer record (never the case for a real group)."""
    group = await uow.groups.get(group_id)
    officer = await uow.people.officer(group.officer_id) if group is not None else None
    if officer is None:
        return None
    chats = 0
    if officer.person_id is not None:
        for account in await uow.people.accounts_of(officer.person_id):
            if account.blocked:
                continue
            await uow.outbox.add(
                account.channel,
                account.external_id,
                news.to_payload(),
                available_at=now,
                kind="push",
                chat_account_id=account.id,
            )
            chats += 1
    return Told(officer.name, chats)


def _revision(revision: int) -> str:
    return f" (ฉบับแก้ไขที่ {revision})" if revision > 1 else ""


def annual_news(
    row: AnnualSummary, group: str, be_year: int, period: str, sender: str, months: int
) -> Reply:
    """The officer's copy of a group's annual summary."""
    headline = f"📒 {group} ส่งสรุปปี {be_year}{_revision(row.revision)} ค่ะ"
    lines = [
        headline,
        f"ช่วง {period}",
        f"รายรับรวม {baht(row.revenue)}",
        f"รายจ่ายรวม {baht(row.costs)}",
        f"กำไร {baht(row.profit)}",
        f"ปันผลที่จ่ายแล้ว {baht(row.dividends)}",
        f"จากตัวเลขประจำเดือน {number(months)} เดือน",
        f"ส่งโดย {sender} (เหรัญญิก) วันที่ {thai_date(row.on_date)}",
        "ดูย้อนหลังได้ในแดชบอร์ด กด แดชบอร์ด ค่ะ",
    ]
    card = Card(
        kind="notice",
        title=f"📒 สรุปปี {be_year}",
        alt=f"📒 {group} ส่งสรุปปี {be_year}: กำไร {baht(row.profit)}",
        subtitle=f"{group} · {period}{_revision(row.revision)}",
        sections=(
            CardSection(
                fields=(
                    CardField("รายรับรวม", baht(row.revenue)),
                    CardField("รายจ่ายรวม", baht(row.costs)),
                    CardField("กำไร", baht(row.profit), strong=True),
                    CardField("ปันผลที่จ่ายแล้ว", baht(row.dividends)),
                )
            ),
        ),
        note=f"ส่งโดย {sender} (เหรัญญิก) วันที่ {thai_date(row.on_date)}",
        buttons=(DASHBOARD,),
    )
    return Reply("\n".join(lines), (DASHBOARD,), card=card)


def dividend_news(
    row: Dividend, group: str, be_year: int, period: str, sender: str, paid_members: int
) -> Reply:
    """The officer's copy of a confirmed dividend: the total and how many members were paid
    (each member's share is on the dashboard, not in a chat message)."""
    lines = [
        f"🎁 {group} จ่ายปันผลปี {be_year} แล้วค่ะ",
        f"ช่วง {period}",
        f"รวม {baht(row.total)} ให้สมาชิก {number(paid_members)} คน",
        f"แบ่งตามงานที่บันทึกไว้ รวม {number(row.total_units)} หน่วย",
        f"บันทึกโดย {sender} (เหรัญญิก) วันที่ {thai_date(row.on_date)}",
        "ดูส่วนของสมาชิกแต่ละคนได้ในแดชบอร์ด กด แดชบอร์ด ค่ะ",
    ]
    card = Card(
        kind="notice",
        title=f"🎁 ปันผลปี {be_year}",
        alt=f"🎁 {group} จ่ายปันผลปี {be_year} รวม {baht(row.total)}",
        subtitle=f"{group} · {period}",
        sections=(
            CardSection(
                fields=(
                    CardField("ปันผลรวม", baht(row.total), strong=True),
                    CardField("สมาชิกที่ได้รับ", f"{number(paid_members)} คน"),
                    CardField("งานรวมของกลุ่ม", f"{number(row.total_units)} หน่วย"),
                )
            ),
        ),
        note=f"บันทึกโดย {sender} (เหรัญญิก) วันที่ {thai_date(row.on_date)}",
        buttons=(DASHBOARD,),
    )
    return Reply("\n".join(lines), (DASHBOARD,), card=card)


def period_text(start: date, end: date) -> str:
    """[start, end) as "1 ต.ค. 2567 – 30 ก.ย. 2568"."""
    return f"{thai_date(start)} – {thai_date(date.fromordinal(end.toordinal() - 1))}"
