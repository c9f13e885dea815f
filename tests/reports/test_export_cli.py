"""`sammachip export` as an operator runs it: a real process in a scratch directory, on the
embedded SQLite database the demo creates there."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot.cli import main
from bot.reports.export_rows import PROGRAMME_SHEETS


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "LINE_", "TELEGRAM_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd, input="", capture_output=True, text=True, timeout=120, env=environment,
    )  # fmt: skip


def test_export_writes_the_workbook_and_the_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded = run(tmp_path, "demo")
    assert seeded.returncode == 0, seeded.stderr
    month = datetime.now(ZoneInfo("Asia/Bangkok")).strftime("%Y-%m")

    done = run(
        tmp_path, "export", "--month", month, "--district", "วังหิน", "--out", "out/report.xlsx"
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "อำเภอวังหิน" in done.stdout and "2 กลุ่ม" in done.stdout
    book = load_workbook(tmp_path / "out" / "report.xlsx")
    assert book.sheetnames[0] == "สรุป" and len(book.sheetnames) == 3 + len(PROGRAMME_SHEETS)
    summary = book["สรุป"]
    assert summary["A2"].value == "กลุ่มอาชีพ"
    assert summary["A3"].value == "กลุ่มไข่เค็มสมุนไพรลูกหม่อน"

    # The other forms run in this process (same entry point, without another start-up).
    monkeypatch.chdir(tmp_path)
    for name in [k for k in os.environ if k.startswith(("DATABASE_URL", "LINE_", "TELEGRAM_"))]:
        monkeypatch.delenv(name)
    assert main(["export", "--month", month, "--out", "summary.csv"]) == 0
    raw = (tmp_path / "summary.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0][:2] == ["อำเภอ", "กลุ่มอาชีพ"]
    assert [r[0] for r in table[1:]] == ["วังหิน", "วังหิน"]

    # Without --district: every district that has groups, with a district column.
    assert main(["export", "--month", month, "--out", "all.xlsx"]) == 0
    assert load_workbook(tmp_path / "all.xlsx")["สรุป"]["A2"].value == "อำเภอ"

    capsys.readouterr()
    assert main(["export", "--month", month, "--district", "ไม่มีจริง", "--out", "x.xlsx"]) == 2
    assert "ไม่พบอำเภอ ไม่มีจริง" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()

    # The province workbook (issue 17): one row per district, one sheet per district.
    assert main(["export", "--month", month, "--province", "ศรีสะเกษ", "--out", "p.xlsx"]) == 0
    assert "จังหวัดศรีสะเกษ" in capsys.readouterr().out
    province = load_workbook(tmp_path / "p.xlsx")
    assert province.sheetnames == ["สรุปจังหวัด", "วังหิน"]
    rows = [tuple(r) for r in province["สรุปจังหวัด"].iter_rows(values_only=True)]
    assert rows[2][:3] == ("วังหิน", 2, 7) and rows[3][0] == "รวม"
    assert main(["export", "--month", month, "--province", "ไม่มีจริง", "--out", "y.xlsx"]) == 2
    assert "ไม่พบจังหวัดไม่มีจริง" in capsys.readouterr().err
    assert not (tmp_path / "y.xlsx").exists()
