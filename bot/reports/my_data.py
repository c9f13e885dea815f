"""`ข้อมูลของฉัน` as a document a villager can read: one HTML page in Thai (it opens in the
phone's browser, from LINE's link or Telegram's file, and prints on A4) with their name,
groups and roles, chat accounts and every record they made, dates in the Buddhist Era and
times in Asia/Bangkok. The same page carries the complete machine-readable data
(`bot.services.privacy.my_data`, English keys, UTC times) for the district office, in a
`<script type="application/json" id="sammachip-data">` block: one file, both readers.

This module decides only what the document says and how it looks; where it may be sent is the
chat handler's business.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.services import privacy
from bot.services.actors import Actor, load_actor
from bot.services.describe import what_and_where
from bot.storage.models import RECORD_MODELS, Area, Membership, OccupationGroup, RecordMixin
from bot.storage.unit_of_work import UnitOfWork
from bot.wording import RECORD_KIND_TITLES, thai_date

FILENAME = "ข้อมูลของฉัน.html"
CONTENT_TYPE = "text/html; charset=utf-8"

ROLE_NAMES = {"member": "สมาชิก", "treasurer": "เหรัญญิก", "chair": "ประธาน"}
CHANNEL_NAMES = {"line": "LINE", "telegram": "Telegram", "console": "คอนโซล (เจ้าหน้าที่)"}


def thai_time(value: datetime, tz: ZoneInfo) -> str:
    """ "4 ธ.ค. 2569 เวลา 10:15 น." — an instant stored in UTC, as a clock in Thailand shows it."""
    local = value.astimezone(tz)
    return f"{thai_date(local.date())} เวลา {local:%H:%M} น."


@dataclass(frozen=True, slots=True)
class Line:
    when: str
    what: str
    where: str
    recorded: str
    withdrawn: bool


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    lines: Sequence[Line]


async def my_data_document(
    uow: UnitOfWork, person_id: int, now: datetime, tz: ZoneInfo
) -> tuple[bytes, dict[str, Any]]:
    """The HTML page (UTF-8 bytes) and the machine-readable data it carries."""
    data = await privacy.my_data(uow, person_id)
    person = await uow.people.person(person_id)
    if person is None:
        return b"", data
    actor = await load_actor(uow, person_id)
    groups, roles = await _groups_and_roles(uow, person_id, actor, tz)
    chat_accounts = await uow.people.accounts_of(person_id)
    accounts = [
        {
            "channel": CHANNEL_NAMES.get(a.channel, a.channel),
            "name": a.display_name or "-",
            "reminders": "ปิด" if a.reminders_off else "เปิด",
        }
        for a in chat_accounts
    ]
    consents = [a.consented_at for a in chat_accounts if a.consented_at is not None]
    consented = person.consented_at or (min(consents) if consents else None)
    sections = await _sections(uow, person_id, tz)
    page = _template().render(
        name=person.name,
        made=thai_time(now, tz),
        joined=thai_time(person.created_at, tz),
        consented=thai_time(consented, tz) if consented else None,
        roles=roles,
        groups=groups,
        accounts=accounts,
        sections=sections,
        total=sum(len(s.lines) for s in sections),
        # "<" as \u003c: the data can never close its <script> block, and stays valid JSON.
        data=json.dumps(data, ensure_ascii=False, indent=1).replace("<", "\\u003c"),
    )
    return page.encode("utf-8"), data


async def _groups_and_roles(
    uow: UnitOfWork, person_id: int, actor: Actor, tz: ZoneInfo
) -> tuple[list[dict[str, Any]], list[str]]:
    """The person's memberships (every group, ended ones too) and the other roles they hold."""
    memberships = (
        await uow.session.execute(
            select(Membership, OccupationGroup.name)
            .join(OccupationGroup, OccupationGroup.id == Membership.group_id)
            .where(Membership.person_id == person_id)
            .order_by(Membership.since)
        )
    ).all()
    groups = [
        {
            "name": name,
            "role": ROLE_NAMES.get(m.role, m.role),
            "since": thai_date(m.since.astimezone(tz).date()),
            "until": thai_date(m.until.astimezone(tz).date()) if m.until else None,
        }
        for m, name in memberships
    ]
    roles = []
    if actor.officer_id is not None:
        district = await uow.session.get(Area, actor.district_id) if actor.district_id else None
        roles.append(f"พัฒนากร{f' อำเภอ{district.name}' if district else ''}")
    if actor.trainer_id is not None:
        roles.append("วิทยากรสัมมาชีพชุมชน")
    if actor.household_id is not None:
        household = await uow.groups.household(actor.household_id)
        roles.append(f"ครัวเรือนเป้าหมาย ({household.occupation})" if household else "ครัวเรือนเป้าหมาย")
    return groups, roles


async def _sections(uow: UnitOfWork, person_id: int, tz: ZoneInfo) -> list[Section]:
    """Every record the person recorded, one section per kind (withdrawn ones marked)."""
    sections = []
    for kind, model in RECORD_MODELS.items():
        rows: Sequence[RecordMixin] = (
            await uow.session.scalars(
                select(model)
                .where(model.recorded_by == person_id)
                .order_by(model.on_date, model.id)
            )
        ).all()
        if rows:
            lines = [
                Line(
                    thai_date(row.on_date),
                    *(await what_and_where(uow, row)),
                    thai_time(row.created_at, tz),
                    row.withdrawn_at is not None,
                )
                for row in rows
            ]
            sections.append(Section(RECORD_KIND_TITLES.get(kind, kind), lines))
    return sections


def _template() -> Any:
    from jinja2 import Environment

    return Environment(autoescape=True).from_string(PAGE)


# Everything the person typed is escaped (autoescape); the page runs no script and loads
# nothing (the policy below), so it is safe to open from a link.
PAGE = """<!doctype html>
<html lang="th">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>ข้อมูลของ {{ name }} · สัมมาชีพชุมชน</title>
<style>
  body { font-family: "Noto Sans Thai", "Sarabun", "Leelawadee UI", Tahoma, sans-serif;
         margin: 0 auto; max-width: 46rem; padding: 1rem; color: #1b1b1b; line-height: 1.6; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; color: #1b5e20; }
  h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; border-bottom: 2px solid #a5d6a7; }
  .note { color: #555; font-size: .9rem; }
  table { border-collapse: collapse; width: 100%; font-size: .95rem; }
  th, td { text-align: left; vertical-align: top; padding: .35rem .5rem;
           border-bottom: 1px solid #e0e0e0; }
  th { background: #e8f5e9; }
  td.when { white-space: nowrap; }
  .sub { color: #666; font-size: .85rem; }
  tr.withdrawn td { color: #888; }
  tr.withdrawn td:last-child { text-decoration: line-through; }
  .tag { font-size: .8rem; color: #b71c1c; text-decoration: none; }
  @media print { body { max-width: none; } h2 { break-after: avoid; } }
</style>
</head>
<body>
<h1>ข้อมูลของคุณ{{ name }}</h1>
<p class="note">สิ่งที่บอทสัมมาชีพชุมชนเก็บไว้เกี่ยวกับคุณ ณ วันที่ {{ made }} (เวลาประเทศไทย)</p>

<h2>ตัวคุณ</h2>
<table>
<tr><th>ชื่อที่แสดงในรายงาน</th><td>{{ name }}</td></tr>
<tr><th>เริ่มใช้งานเมื่อ</th><td>{{ joined }}</td></tr>
<tr><th>ให้ความยินยอมเมื่อ</th><td>{{ consented or "-" }}</td></tr>
{% if roles %}<tr><th>บทบาทในโครงการ</th><td>{{ roles | join(", ") }}</td></tr>{% endif %}
</table>

<h2>กลุ่มอาชีพ</h2>
{% if groups %}
<table>
<tr><th>กลุ่ม</th><th>บทบาท</th><th>ตั้งแต่</th><th>ถึง</th></tr>
{% for g in groups %}<tr><td>{{ g.name }}</td><td>{{ g.role }}</td><td class="when">{{ g.since }}</td><td class="when">{{ g.until or "ปัจจุบัน" }}</td></tr>
{% endfor %}</table>
{% else %}<p>ยังไม่ได้เป็นสมาชิกกลุ่มใด</p>{% endif %}

<h2>บัญชีแชท</h2>
<table>
<tr><th>ช่องทาง</th><th>ชื่อในแชท</th><th>การแจ้งเตือน</th></tr>
{% for a in accounts %}<tr><td>{{ a.channel }}</td><td>{{ a.name }}</td><td>{{ a.reminders }}</td></tr>
{% endfor %}</table>

<h2>รายการที่คุณบันทึก ({{ "{:,}".format(total) }} รายการ)</h2>
{% if not sections %}<p>ยังไม่มีรายการที่บันทึก</p>{% endif %}
{% for section in sections %}
<h3>{{ section.title }} ({{ "{:,}".format(section.lines | length) }} รายการ)</h3>
<table>
<tr><th>วันที่</th><th>รายการ</th></tr>
{% for line in section.lines %}<tr{% if line.withdrawn %} class="withdrawn"{% endif %}><td class="when">{{ line.when }}</td><td>{{ line.what }}{% if line.withdrawn %} <span class="tag">(ยกเลิกแล้ว)</span>{% endif %}
<div class="sub">{% if line.where %}{{ line.where }} · {% endif %}บันทึกเมื่อ {{ line.recorded }}</div></td></tr>
{% endfor %}</table>
{% endfor %}

<h2>สิทธิ์ของคุณ</h2>
<p>ข้อมูลนี้ใช้ติดตามและสรุปผลโครงการสัมมาชีพชุมชนให้กลุ่มของคุณและพัฒนากรที่ดูแลเท่านั้น
หากต้องการลบข้อมูลส่วนตัว พิมพ์ <b>ลบข้อมูลของฉัน</b> ในแชทกับบอท
(ชื่อและบัญชีแชทจะถูกลบ ยอดรวมของกลุ่มยังอยู่โดยไม่ระบุชื่อ)
หรือติดต่อสำนักงานพัฒนาชุมชนอำเภอค่ะ</p>
<p class="note">สำหรับเจ้าหน้าที่: ข้อมูลเดียวกันทั้งหมดในรูปแบบที่เครื่องอ่านได้ (JSON, เวลาเป็น UTC)
อยู่ในไฟล์นี้ ในส่วน <code>sammachip-data</code></p>
<script type="application/json" id="sammachip-data">{{ data | safe }}</script>
</body>
</html>
"""
