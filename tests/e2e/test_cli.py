"""The `sammachip` command line as an operator and a newcomer use it: real processes, a real
SQLite file under ./data/ of a scratch directory, stdin piped like a shell would."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
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
    trainer = json.loads(run(workdir, "trainer", "add", "--name", "ครูสมบัติ",
                             "--officer", str(officer["officer_id"]), "--json"))  # fmt: skip
    assert set(trainer) == {"trainer_id", "link_code"}
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


# who -> (what they type, [(table, columns, the newest row's values)])
CONVERSATIONS: dict[str, tuple[str, list[tuple[str, str, tuple[object, ...]]]]] = {
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


# --- a newcomer's first hour (issue 20) ---------------------------------------------------


def fail(cwd: Path, *args: str) -> str:
    """Runs a command that must refuse: exit status 2, one polite Thai line, no traceback."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    message = done.stderr.strip().splitlines()[-1]
    assert message.endswith("ค่ะ"), message
    return message


def _walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                assert helps.get(name), f"`sammachip {' '.join((*path, name))}` has no help text"
                yield (*path, name)
                yield from _walk(sub, (*path, name))


def test_every_command_and_sub_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import _parser, main

    commands = list(_walk(_parser()))
    assert ("officer", "add") in commands and ("report", "group") in commands
    assert len(commands) >= 18
    for command in [(), *commands]:
        with pytest.raises(SystemExit) as done:
            main([*command, "--help"])
        assert done.value.code == 0
        shown = capsys.readouterr().out
        assert shown.startswith(f"usage: sammachip {' '.join(command)}".rstrip()), shown
        # A description, and a line of help for every option and argument.
        parser = _parser()
        for name in command:
            sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
            parser = sub.choices[name]
        assert parser.description, command
        for action in parser._actions:
            if not isinstance(action, argparse._SubParsersAction):
                assert action.help, (command, action.dest)


def test_refusals_are_one_polite_thai_sentence(workdir: Path) -> None:
    assert fail(workdir, "group", "add", "--name", "x", "--occupation", "y", "--village", "z",
                "--officer", "99", "--founded", "2025-01-01") == "ไม่พบพัฒนากรรหัส 99 ค่ะ"  # fmt: skip
    assert fail(workdir, "report", "group", "99", "--month", "2025-10") == "ไม่พบกลุ่มรหัส 99 ค่ะ"
    assert "YYYY-MM" in fail(workdir, "report", "group", "1", "--month", "10/2025")
    assert "ยังขาด --month" in fail(workdir, "report", "group", "1")
    assert "ไม่พบอำเภอ" in fail(workdir, "export", "--month", "2025-10", "--district", "ไม่มีจริง",
                                  "--out", str(workdir / "x.xlsx"))  # fmt: skip
    assert "--officer" in fail(workdir, "trainer", "add", "--name", "ครู", "--officer", "หนึ่ง")


def test_a_household_names_a_trainer_the_officer_registered(workdir: Path) -> None:
    import sqlite3

    officer = json.loads(run(workdir, "officer", "add", "--name", "สมหญิง ใจดี",
                             "--district", "โพธาราม", "--province", "ราชบุรี", "--json"))  # fmt: skip
    officer_id = str(officer["officer_id"])
    household = ("household", "add", "--village", "บ้านหนองโพ", "--head", "นางคำ ดีใจ",
                 "--occupation", "ปลูกผัก", "--officer", officer_id)  # fmt: skip
    refused = fail(workdir, *household, "--trainer", "ครูสมบัต")
    assert "ไม่พบวิทยากรชื่อ ครูสมบัต" in refused and "sammachip trainer add" in refused
    run(workdir, "trainer", "add", "--name", "ครูสมบัติ", "--officer", officer_id)
    refused = fail(workdir, *household, "--trainer", "ครูสมบัต")  # still misspelt
    assert "วิทยากรที่มีอยู่: ครูสมบัติ" in refused
    added = json.loads(run(workdir, *household, "--trainer", "ครูสมบัติ", "--json"))
    database = sqlite3.connect(workdir / "data" / "sammachip.db")
    try:
        trainers = database.execute("SELECT name FROM trainer").fetchall()
        linked = database.execute(
            "SELECT trainer.name FROM household JOIN trainer ON trainer.id = household.trainer_id "
            "WHERE household.id = ?",
            (added["household_id"],),
        ).fetchall()
    finally:
        database.close()
    assert trainers == [("ครูสมบัติ",)] and linked == [("ครูสมบัติ",)]  # no phantom trainer


def test_without_json_commands_print_readable_thai(workdir: Path) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    run(workdir, "demo", stdin="ขายไข่เค็มสมุนไพร 10 ฟอง 120 บาท\n")
    month = datetime.now(ZoneInfo("Asia/Bangkok")).strftime("%Y-%m")
    text = run(workdir, "report", "group", "1", "--month", month)
    assert text.startswith("📊 กลุ่มไข่เค็มสมุนไพรลูกหม่อน เดือน ") and "ยอดขาย" in text
    assert "{" not in text and "'" not in text and "None" not in text
    raw = run(workdir, "report", "group", "1", "--month", month, "--json")
    assert "ไข่เค็ม" in raw and "\\u0e" not in raw  # Thai as Thai, like parse --json
    assert set(json.loads(raw)) >= {"group_id", "sales", "work"}
    parsed = run(workdir, "parse", "ขายไข่เค็ม 30 ฟอง 300 บาท", "--today", "2025-10-20")
    assert parsed.splitlines()[:2] == ["เข้าใจว่าเป็น: การขาย (sale)", "รายการ: ไข่เค็ม"]
    assert "ยอดเงิน: 300 บาท" in parsed and "None" not in parsed and "{" not in parsed
    officer = run(workdir, "officer", "add", "--name", "สมหญิง ใจดี", "--district", "โพธาราม",
                  "--province", "ราชบุรี")  # fmt: skip
    assert officer.startswith("เพิ่มพัฒนากร สมหญิง ใจดี") and "ลงทะเบียน " in officer


# Thirty lines as a newcomer would paste them: reports, a question answered, buttons pressed by
# number, a summary, the menu, undo. Every one must be answered (the console is not slowed).
THIRTY = [
    "เมนู",
    "ขายไข่เค็ม 30 ฟอง 300 บาท",
    "ขายไข่เค็มสมุนไพร 12 ฟอง 144 บาท",
    "ขายไข่เค็ม 20 ฟอง 100 บาท",
    "ทำงาน 3 ชั่วโมง",
    "ทำงาน 2.5 ชั่วโมง เมื่อวาน",
    "สรุป",
    "ขายไข่เค็ม 10 ฟอง",
    "50 บาท",
    "ขายไข่เค็ม 5 ฟอง 25 บาท",
    "ยกเลิก",
    "ขายกบ 2 ตัว 30 บาท",
    "กิจกรรม แปรรูปไข่เค็ม 200 ฟอง",
    "ขายไข่เค็ม 8 ฟอง 40 บาท",
    "ขายไข่เค็ม 9 ฟอง 45 บาท",
    "ขายไข่เค็ม 11 ฟอง 55 บาท",
    "ขายไข่เค็ม 12 ฟอง 60 บาท",
    "ขายไข่เค็ม 13 ฟอง 65 บาท",
    "ขายไข่เค็ม 14 ฟอง 70 บาท",
    "ขายไข่เค็ม 15 ฟอง 75 บาท",
    "ขอบคุณค่ะ",
    "สรุป",
    "1",
    "ช่วยเหลือ",
    "ทำงาน 1 ชั่วโมง",
    "แก้ไข",
    "ยกเลิก",
    "เปิดเตือน",
    "ข้อมูลของฉัน",
    "สรุป",
]


def exchanges(out: str) -> list[tuple[str, str]]:
    """(what was typed, what the bot answered) for each `คุณ>` line of a console transcript."""
    turns: list[tuple[str, str]] = []
    for line in out.splitlines():
        if line.startswith("คุณ> "):
            turns.append((line.removeprefix("คุณ> "), ""))
        elif turns:
            said, answer = turns[-1]
            turns[-1] = (said, f"{answer}\n{line}")
    return turns


def test_a_piped_thirty_line_conversation_gets_every_line_answered(workdir: Path) -> None:
    assert len(THIRTY) == 30
    out = run(workdir, "demo", stdin="\n".join(THIRTY) + "\n")
    turns = exchanges(out)
    assert [said.split(" → ")[0] for said, _ in turns] == THIRTY
    for said, answer in turns:
        assert "🤖" in answer, f"{said!r} got no answer:\n{out}"
        assert "ข้อความมาเร็วมาก" not in answer, f"{said!r} was flood-limited"
    assert "บันทึกการขายแล้ว" in turns[8][1]  # "50 บาท" answered the question, not a button
    assert turns[22][0] == "1 → เมนู" and "พิมพ์รายงาน" in turns[22][1]  # a button pressed
    # The same conversation through `console` as another person is answered the same way.
    again = exchanges(run(workdir, "console", "--as", "ประไพ ทองดี", stdin="\n".join(THIRTY)))
    assert len(again) == 30 and all("🤖" in answer for _, answer in again)


def test_buttons_are_numbered_and_a_number_presses_one(workdir: Path) -> None:
    out = run(workdir, "demo", stdin="เมนู\n2\nขายไข่เค็ม 10 ฟอง\n1\n")
    turns = exchanges(out)
    menu = turns[0][1]
    buttons = menu.splitlines()[-1].strip().split("  ")
    assert buttons[0].startswith("[1] ") and buttons[1].startswith("[2] ")
    second = buttons[1].removeprefix("[2] ")
    assert turns[1][0] == f"2 → {second}"
    # While the bot asks for a number (กี่บาท), buttons show unnumbered and "1" is the answer.
    assert "กี่บาท" in turns[2][1] and "[1]" not in turns[2][1]
    assert turns[3][0] == "1"


def test_console_as_a_role_or_an_exact_name_keeps_one_account(workdir: Path) -> None:
    import sqlite3

    treasurer = run(workdir, "demo", "--as", "treasurer", stdin="สรุป\n")  # demo takes --as too
    assert "📊" in treasurer and "ของคุณ: ขาย" not in treasurer  # the member's own line
    assert "ของ บุญมี ใจงาม" in run(
        workdir, "console", "--as", "member", stdin="ขายไข่เค็ม 1 ฟอง 5 บาท\n"
    )
    # A part of a name is not that person: it is a stranger, who must link with a code first.
    stranger = run(workdir, "console", "--as", "บุญ", stdin="ขายไข่เค็ม 1 ฟอง 5 บาท\n")
    assert "บุญมี" not in stranger and "บันทึกการขาย" not in stranger
    # A linked stranger, run twice by name: the same account both times (no second demo:N).
    officer = json.loads(run(workdir, "officer", "add", "--name", "สมหญิง ใจดี", "--district", "โพธาราม",
                             "--province", "ราชบุรี", "--json"))  # fmt: skip
    run(workdir, "group", "add", "--name", "กลุ่มเพาะเห็ด", "--occupation", "เพาะเห็ด", "--village",
        "บ้านหนองโพ", "--officer", str(officer["officer_id"]), "--founded", "2025-06-01")  # fmt: skip
    code = officer["link_code"]
    run(workdir, "console", "--as", "สมหญิง ใจดี", stdin=f"ลงทะเบียน {code}\nยินยอม\n")
    for _ in range(2):
        assert "📋" in run(workdir, "console", "--as", "สมหญิง ใจดี", stdin="สรุป\n")
    # Monday 08:00: her weekly visit plan (the new group) is printed once, not once per run.
    done = subprocess.run(
        [sys.executable, "-m", "bot", "remind", "--at", "2025-10-20T08:00+07:00"],
        cwd=workdir, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("สวัสดีค่ะ คุณสมหญิง") == 1, done.stderr
    assert done.stderr.count("กลุ่มเพาะเห็ด — ยังไม่เคยเยี่ยม") == 1, done.stderr
    run(workdir, "console", "--as", "treasurer", stdin="สรุป\n")
    run(workdir, "console", "--as", "มาลี ศรีสุข", stdin="สรุป\n")  # the treasurer, by name
    database = sqlite3.connect(workdir / "data" / "sammachip.db")
    try:
        per_person = database.execute(
            "SELECT person.name, count(*) FROM chat_account JOIN person "
            "ON person.id = chat_account.person_id GROUP BY person.id"
        ).fetchall()
    finally:
        database.close()
    assert all(n == 1 for _, n in per_person), per_person
    assert ("สมหญิง ใจดี", 1) in per_person and ("มาลี ศรีสุข", 1) in per_person


def test_console_piped_into_head_stops_quietly(workdir: Path) -> None:
    run(workdir, "demo", stdin="")
    lines = "สรุป\n" * 30
    done = subprocess.run(
        f"{shlex.quote(sys.executable)} -m bot console --as member | head -n 3",
        shell=True, cwd=workdir, input=lines, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert len(done.stdout.splitlines()) == 3
    assert done.stderr == "", done.stderr  # no BrokenPipeError traceback
