"""The `sammachip` command line as an operator and a newcomer use it: real processes, a real
SQLite file under ./data/ of a scratch directory, stdin piped like a shell would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

KEYS_PARSE = {"intent", "date", "month", "item", "quantity", "unit", "unit_price", "amount",
              "income", "expenses", "attendees", "hours", "ambiguous"}  # fmt: skip


def run(cwd: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> str:
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "LINE_", "TELEGRAM_"))
    }
    environment.update(env or {})
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120, env=environment,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path


def test_demo_piped_saves_the_sale_and_counts_it(workdir: Path) -> None:
    out = run(workdir, "demo", stdin="ขายไข่เค็ม 30 ฟอง 300 บาท\nสรุป\n")
    assert (workdir / "data" / "sammachip.db").exists()  # the embedded default
    assert "บันทึกการขายแล้ว" in out and "รวม 300 บาท" in out
    assert "ของคุณ: ขาย" in out
    # Running the demo again seeds nothing new and still chats.
    again = run(workdir, "demo", stdin="สรุป\n")
    assert "สร้างข้อมูลตัวอย่าง" not in again and "📊" in again


def test_console_as_the_treasurer_confirms_figures(workdir: Path) -> None:
    run(workdir, "demo", stdin="")
    out = run(workdir, "console", "--as", "treasurer", stdin="รายรับ 9,000 รายจ่าย 2,500\nยืนยัน\n")
    assert "คงเหลือ 6,500 บาท" in out and "บันทึกตัวเลขประจำเดือนแล้ว" in out


def test_operator_commands_print_the_documented_json(workdir: Path) -> None:
    officer = json.loads(run(workdir, "officer", "add", "--name", "สมหญิง ใจดี",
                             "--district", "โพธาราม", "--province", "ราชบุรี", "--json"))  # fmt: skip
    assert set(officer) == {"officer_id", "link_code"}
    group = json.loads(run(workdir, "group", "add", "--name", "กลุ่มเพาะเห็ด", "--occupation", "เพาะเห็ด",
                           "--village", "บ้านหนองโพ หมู่ที่ 3", "--officer", str(officer["officer_id"]),
                           "--founded", "2025-06-01", "--json"))  # fmt: skip
    assert set(group) == {"group_id", "join_code", "treasurer_code", "chair_code"}
    assert len({group["join_code"], group["treasurer_code"], group["chair_code"]}) == 3
    household = json.loads(run(workdir, "household", "add", "--village", "บ้านหนองโพ หมู่ที่ 3",
                               "--head", "นางคำ ดีใจ", "--occupation", "ปลูกผัก", "--trainer", "ครูสมบัติ",
                               "--officer", str(officer["officer_id"]), "--json"))  # fmt: skip
    assert set(household) == {"household_id", "join_code"}

    # A member joins with the code and sells; the report counts it.
    run(workdir, "console", "--as", "นายทดลอง",
        stdin=f"เข้ากลุ่ม {group['join_code']}\nยินยอม\nขายเห็ดนางฟ้า 5 กิโล กิโลละ 80\n")  # fmt: skip
    from datetime import datetime
    from zoneinfo import ZoneInfo

    month = datetime.now(ZoneInfo("Asia/Bangkok")).strftime("%Y-%m")
    report = json.loads(
        run(workdir, "report", "group", str(group["group_id"]), "--month", month, "--json")
    )
    assert set(report) == {
        "group_id",
        "month",
        "sales",
        "meetings",
        "work",
        "monthly_figures",
        "visits",
    }
    assert report["sales"] == {"count": 1, "total": "400.00", "by_item": {"เห็ดนางฟ้า": "400.00"}}
    assert report["monthly_figures"] is None
    assert report["visits"] == {"count": 0, "last": None}


def test_parse_prints_the_contract(workdir: Path) -> None:
    out = json.loads(run(workdir, "parse", "ขายไข่เค็ม50ฟอง250บ.", "--today", "2025-10-20", "--json"))
    assert set(out) == KEYS_PARSE
    assert (out["intent"], out["item"], out["quantity"], out["unit"], out["amount"]) == (
        "sale", "ไข่เค็ม", "50", "ฟอง", "250",
    )  # fmt: skip


def test_a_wrong_officer_id_is_a_clear_error(workdir: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "group", "add", "--name", "x", "--occupation", "y", "--village", "z",
         "--officer", "999", "--founded", "2025-01-01", "--json"],
        cwd=workdir, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert "ไม่พบพัฒนากร" in done.stderr and "Traceback" not in done.stderr


CONVERSATIONS = {
    "member": ("ขายไข่เค็ม 30 ฟอง 300 บาท\nทำงาน 3 ชั่วโมง\nกิจกรรม แปรรูปไข่เค็ม 200 ฟอง\n",
               [("sale", "item, quantity, amount", ("ไข่เค็ม", 30, 300)),
                ("work_log", "hours", (3,)),
                ("activity", "kind", ("production",))]),
    "chair": ("ประชุม สมาชิกมา 11 คน เรื่องแบ่งเวร\n", [("meeting", "attendees", (11,))]),
    "treasurer": ("รายรับ 7,000 รายจ่าย 2,000 เดือนที่แล้ว\nยืนยัน\n",
                  [("monthly_figures", "income, expenses, balance", (7000, 2000, 5000))]),
    "officer": ("เยี่ยมกลุ่มเลี้ยงกบ บ่อสะอาด แนะนำให้ขายออนไลน์\n",
                [("visit", "suggestions", ("ขายออนไลน์",))]),
    "trainer": ("อบรมการทำบัญชีครัวเรือน คำปุ่น มาเรียน\n", [("activity", "kind, attendees", ("training", 1))]),
    "household": ("ได้เงินขายผัก 200\nจ่ายค่าอาหารไก่ 350\n",
                  [("account_entry", "kind, item, amount", ("expense", "ค่าอาหารไก่", 350))]),
}  # fmt: skip


@pytest.mark.parametrize("who", sorted(CONVERSATIONS))
def test_each_kind_piped_through_the_console_is_stored_as_said(workdir: Path, who: str) -> None:
    import sqlite3

    run(workdir, "demo", stdin="")
    lines, expected = CONVERSATIONS[who]
    out = run(workdir, "console", "--as", who, stdin=lines)
    assert "ขอโทษ" not in out and "ขออภัย" not in out, out
    database = sqlite3.connect(workdir / "data" / "sammachip.db")
    try:
        for table, columns, values in expected:
            row = database.execute(
                f"SELECT {columns} FROM {table} ORDER BY id DESC LIMIT 1"
            ).fetchone()
            assert tuple(row) == values, (table, row)
    finally:
        database.close()


def test_codes_are_rotated_revoked_and_accounts_unlinked_from_the_command_line(
    workdir: Path,
) -> None:
    officer = json.loads(run(workdir, "officer", "add", "--name", "สมหญิง ใจดี",
                             "--district", "โพธาราม", "--province", "ราชบุรี", "--json"))  # fmt: skip
    first = officer["link_code"]
    assert len(first.replace("-", "")) == 12  # single-use, 12 characters (SECURITY.md)
    rotated = json.loads(
        run(workdir, "code", "rotate", "--officer", str(officer["officer_id"]), "--json")
    )
    assert rotated["kind"] == "officer" and rotated["code"] != first and rotated["expires_at"]
    out = run(workdir, "console", "--as", "คนใช้รหัสเก่า", stdin=f"ลงทะเบียน {first}\n")
    assert "ถูกยกเลิกแล้ว" in out  # the old code stopped working
    out = run(
        workdir, "console", "--as", "สมหญิงตัวจริง", stdin=f"ลงทะเบียน {rotated['code']}\nยินยอม\n"
    )
    assert "เชื่อมบัญชีพัฒนากร" in out
    unlinked = json.loads(
        run(workdir, "account", "unlink", "--officer", str(officer["officer_id"]), "--json")
    )
    assert unlinked["unlinked"] == 1
    revoked = json.loads(
        run(workdir, "code", "revoke", "--officer", str(officer["officer_id"]), "--json")
    )
    assert revoked == {"revoked": 0, "kind": "officer", "target_id": officer["officer_id"]}
    for command in (
        ("code", "--help"),
        ("code", "rotate", "--help"),
        ("account", "unlink", "--help"),
    ):
        assert "usage" in run(workdir, *command)


def test_a_name_a_spreadsheet_would_run_is_refused_politely(workdir: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "officer", "add", "--name", "=cmd|' /C calc'!A0",
         "--district", "โพธาราม", "--province", "ราชบุรี", "--json"],
        cwd=workdir, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2 and "ไม่ขึ้นต้นด้วยเครื่องหมาย" in done.stderr
    assert "Traceback" not in done.stderr
