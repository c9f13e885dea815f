"""Attacks on identity (issue 14), each reproduced against a real `sammachip serve` with the
fake LINE and Bot API servers, and shown closed: a used officer code on a second account, a
treasurer takeover, thirty wrong codes then the right one, erasure from a second account, a
dashboard session after unlink, and a stranger relinking a group chat."""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.demo import EGG_GROUP, FROG_GROUP, OFFICER_NAME
from bot.services.enrolment_codes import ALPHABET, CodeKind, display
from bot.storage.models import AuditLog, ChatAccount, ChatRoom, Membership, Officer, Person
from tests.reliability.harness import DASHBOARD_SECRET, ROOT, figures
from tests.security.attack import (
    CODE,
    LOGIN_LINK,
    add_officer,
    count,
    give_account,
    issue_code,
    join_code,
    logs,
    rows,
    scalar,
    served,
)
from tests.support.channel_stack import seed_database
from tests.support.fake_line import FakeLine, group_id, user_id
from tests.support.fake_telegram import FakeTelegram


def cli(url: str, *args: str) -> str:
    """`sammachip …` as the district office runs it on the server."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "TELEGRAM_"))}
    env.update(DATABASE_URL=url, DASHBOARD_SECRET=DASHBOARD_SECRET, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


async def person_of(url: str, channel: str, external: str) -> int | None:
    return await scalar(
        url,
        select(ChatAccount.person_id).where(
            ChatAccount.channel == channel, ChatAccount.external_id == external
        ),
    )


async def group_role(url: str, person_id: int | None, group_name: str) -> str | None:
    from bot.storage.models import OccupationGroup

    if person_id is None:
        return None
    return await scalar(
        url,
        select(Membership.role)
        .join(OccupationGroup, OccupationGroup.id == Membership.group_id)
        .where(
            Membership.person_id == person_id,
            Membership.until.is_(None),
            OccupationGroup.name == group_name,
        ),
    )


async def test_a_used_officer_code_does_not_make_a_second_account_the_officer(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    officer_id = await add_officer(db_url, "วิไล พัฒนากรใหม่")
    code = display(await issue_code(db_url, CodeKind.OFFICER, officer_id))
    real, thief = user_id(), 880001
    async with served(db_url, fake_line, fake_telegram, tmp_path / "serve.log") as bot:
        assert "รหัสถูกต้อง" in " ".join(await bot.line_says(real, f"ลงทะเบียน {code}"))
        assert "เชื่อมบัญชีพัฒนากร" in " ".join(await bot.line_says(real, "ยินยอมค่ะ"))
        # The same code from a second account (another platform): used, nothing linked.
        answer = " ".join(await bot.tg_says(thief, f"/start {code}"))
        summary = " ".join(await bot.tg_says(thief, "สรุป"))
        dashboard = " ".join(await bot.tg_says(thief, "แดชบอร์ด"))
        export = await bot.tg_says(thief, "ส่งออก")
    real_person = await person_of(db_url, "line", real)
    officer_person = await scalar(db_url, select(Officer.person_id).where(Officer.id == officer_id))
    refused = await rows(
        db_url,
        select(AuditLog.after).where(
            AuditLog.action == "code_refused", AuditLog.entity == "chat_account"
        ),
    )
    figures(
        "second account with a used officer code",
        thief_linked=int(await person_of(db_url, "telegram", str(thief)) is not None),
        thief_got_dashboard_link=int("token=" in dashboard),
        thief_documents=fake_telegram.count("sendDocument"),
        refusals_audited=len(refused),
    )
    assert "ถูกใช้ไปแล้ว" in answer and "ความเป็นส่วนตัว" not in answer
    assert await person_of(db_url, "telegram", str(thief)) is None
    assert "ยังไม่ได้ลงทะเบียน" in summary and "token=" not in dashboard
    assert fake_telegram.count("sendDocument") == 0 and all("📋" not in t for t in export)
    assert officer_person == real_person is not None  # the real officer is untouched
    assert [r.after for r in refused] == [{"outcome": "used"}]


async def test_a_treasurer_code_cannot_take_the_role_over_silently(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    malee_line, officer_line, attacker = user_id(), user_id(), 880002
    malee = await give_account(db_url, "มาลี ศรีสุข", "line", malee_line)
    await give_account(db_url, OFFICER_NAME, "line", officer_line)
    async with served(db_url, fake_line, fake_telegram, tmp_path / "serve.log") as bot:
        issued = " ".join(await bot.line_says(officer_line, "ออกรหัสเหรัญญิก กลุ่มไข่เค็ม"))
        code = CODE.search(issued)
        assert code, issued
        await bot.tg_says(attacker, f"/start {code.group(0)}")
        waiting = " ".join(await bot.tg_says(attacker, "ยินยอม"))
        figures_refused = " ".join(await bot.tg_says(attacker, "รายรับ 1,000 รายจ่าย 400"))
        asked = [t for t in bot.line_texts(malee_line) if "ยืนยันส่งต่อ" in t]
        officer_asked = [t for t in bot.line_texts(officer_line) if "ยืนยันส่งต่อ" in t]
        assert asked, bot.line_texts(malee_line)
        number = asked[0].split("ยืนยันส่งต่อ ")[1].split()[0]
        during = await group_role(
            db_url, await person_of(db_url, "telegram", str(attacker)), EGG_GROUP
        )
        declined = " ".join(await bot.line_says(malee_line, f"ไม่ส่งต่อ {number} ค่ะ"))
        told = fake_telegram.texts(str(attacker))[-1]
    newcomer = await person_of(db_url, "telegram", str(attacker))
    figures(
        "treasurer takeover with a leaked code",
        holder_asked=len(asked),
        officer_asked=len(officer_asked),
        attacker_role_while_waiting=int(during is not None),
        attacker_role_after=int(await group_role(db_url, newcomer, EGG_GROUP) is not None),
    )
    assert "มาลี ศรีสุข" in waiting and "ยืนยัน" in waiting
    assert "ยังไม่ได้ลงทะเบียน" in figures_refused  # no treasurer's figures from the attacker
    assert len(officer_asked) == 1 and during is None
    assert "ไม่ส่งต่อ" in declined and "ไม่ได้รับการยืนยัน" in told
    assert await group_role(db_url, newcomer, EGG_GROUP) is None
    assert await group_role(db_url, malee, EGG_GROUP) == "treasurer"


@pytest.mark.both_databases
async def test_thirty_wrong_codes_then_the_right_one(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    """Guessing from one account: five wrong codes lock it, the lock holds for the right code
    too, and every try is audited with the account, never with the code. On PostgreSQL the
    tries alternate between two `serve` workers: the limit is in the database."""
    postgres = not db_url.startswith("sqlite")
    if postgres:
        await seed_database(db_url)
    right = await join_code(db_url, EGG_GROUP)
    guesses = ["".join(secrets.choice(ALPHABET) for _ in range(12)) for _ in range(30)]
    guesser = 880003
    env = {"FLOOD_BURST": "100"}  # the flood gate is not what is tested here
    async with served(
        db_url,
        fake_line,
        fake_telegram,
        tmp_path / "serve.log",
        workers=2 if postgres else 1,
        env=env,
    ) as bot:
        answers = [" ".join(await bot.tg_says(guesser, f"/start {g}")) for g in guesses]
        last = " ".join(await bot.tg_says(guesser, f"/start {right}"))
    audited = await rows(
        db_url,
        select(AuditLog.after).where(
            AuditLog.action == "code_refused", AuditLog.entity == "chat_account"
        ),
    )
    outcomes = [r.after["outcome"] for r in audited]
    output = logs(tmp_path / "serve.log")
    figures(
        f"thirty wrong codes then the right one ({'PostgreSQL, two workers' if postgres else 'SQLite'})",
        wrong_codes_checked=outcomes.count("unknown"),
        refused_while_locked=outcomes.count("locked"),
        right_code_linked=int(await person_of(db_url, "telegram", str(guesser)) is not None),
        codes_in_log=sum(1 for g in [*guesses, right] if g in output),
    )
    assert outcomes.count("unknown") == 5 and outcomes.count("locked") == 26
    assert all("ไม่พบรหัสนี้" in a for a in answers[:4]) and "15 นาที" in answers[4]
    assert all("พักการใส่รหัส" in a for a in answers[5:]) and "พักการใส่รหัส" in last
    assert await person_of(db_url, "telegram", str(guesser)) is None
    assert not any(g in output for g in [*guesses, right])  # never the code in the log
    assert not any(g in str(audited) for g in guesses)  # nor in the audit


async def test_erase_from_a_second_account_needs_the_first(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    first = user_id()
    person = await give_account(db_url, "บุญมี ใจงาม", "line", first)
    second = 880004
    async with served(db_url, fake_line, fake_telegram, tmp_path / "serve.log") as bot:
        code = CODE.search(" ".join(await bot.line_says(first, "เพิ่มบัญชี")))
        assert code
        await bot.tg_says(second, f"/start {code.group(0)}")
        assert "เพิ่มบัญชีนี้ให้คุณบุญมี" in " ".join(await bot.tg_says(second, "ยินยอม"))
        told = [t for t in bot.line_texts(first) if "เพิ่งเชื่อม" in t]
        asked = " ".join(await bot.tg_says(second, "ลบข้อมูลของฉัน"))
        await bot.tg_says(second, "ยืนยันลบ")
        erased_from_second = await scalar(
            db_url, select(Person.erased_at).where(Person.id == person)
        )
        question = [t for t in bot.line_texts(first) if "มีคำขอลบข้อมูลส่วนตัว" in t]
        done = " ".join(await bot.line_says(first, "ยืนยันลบ"))
    figures(
        "erase from a second account",
        first_account_told_of_second=len(told),
        erased_by_second_account=int(erased_from_second is not None),
        question_sent_to_first=len(question),
    )
    assert len(told) == 1 and "ยืนยันจากบัญชีแรก" in asked
    assert erased_from_second is None and len(question) == 1
    assert "เรียบร้อยแล้ว" in done
    assert await scalar(db_url, select(Person.erased_at).where(Person.id == person)) is not None
    assert await count(db_url, ChatAccount, ChatAccount.person_id == person) == 0


async def test_a_dashboard_session_ends_when_the_officer_is_unlinked(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    officer_line = user_id()
    await give_account(db_url, OFFICER_NAME, "line", officer_line)
    officer_id = await scalar(db_url, select(Officer.id).where(Officer.name == OFFICER_NAME))
    async with served(db_url, fake_line, fake_telegram, tmp_path / "serve.log") as bot:
        web = bot.http
        origin = {"Origin": bot.server.base}

        async def link() -> str:
            found = LOGIN_LINK.search(" ".join(await bot.line_says(officer_line, "แดชบอร์ด")))
            assert found
            return found.group(1)

        signed_link, spare = await link(), await link()
        token = signed_link.split("token=")[1]
        null_origin = await web.post(
            "/dashboard/login", data={"token": token}, headers={"Origin": "null"}
        )
        signed = await web.post("/dashboard/login", data={"token": token}, headers=origin)
        before = await web.get("/dashboard/")
        huge = await web.get("/dashboard/groups/99999999999999999999")
        huge_chart = await web.get("/dashboard/groups/9223372036854775808/chart.png")
        cli(db_url, "account", "unlink", "--officer", str(officer_id), "--json")
        after = await web.get("/dashboard/")
        spare_page = await web.get(spare)
        unlinked_notice = bot.line_texts(officer_line)
    figures(
        "dashboard session after unlink",
        login_with_origin_null=null_origin.status_code,
        page_before_unlink=before.status_code,
        huge_group_id=huge.status_code,
        page_after_unlink=after.status_code,
        sign_in_link_from_before=spare_page.status_code,
    )
    assert null_origin.status_code == 403
    assert signed.status_code == 303 and before.status_code == 200
    assert huge.status_code == 404 and huge_chart.status_code == 404
    assert after.status_code == 401 and spare_page.status_code == 403
    assert any("ยกเลิกการเชื่อมต่อ" in t for t in unlinked_notice)


async def test_sign_out_everywhere_from_chat(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    officer_line = user_id()
    await give_account(db_url, OFFICER_NAME, "line", officer_line)
    async with served(db_url, fake_line, fake_telegram, tmp_path / "serve.log") as bot:
        found = LOGIN_LINK.search(" ".join(await bot.line_says(officer_line, "แดชบอร์ด")))
        assert found
        token = found.group(1).split("token=")[1]
        await bot.http.post(
            "/dashboard/login", data={"token": token}, headers={"Origin": bot.server.base}
        )
        assert (await bot.http.get("/dashboard/")).status_code == 200
        said = " ".join(await bot.line_says(officer_line, "ออกจากระบบทุกเครื่องค่ะ"))
        assert "ทุกเครื่องเรียบร้อยแล้ว" in said
        assert (await bot.http.get("/dashboard/")).status_code == 401


async def test_a_stranger_cannot_relink_a_group_chat(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    chair, member, stranger, frog_chair = user_id(), user_id(), user_id(), user_id()
    await give_account(db_url, "สมศรี ดวนใหญ่", "line", chair)
    await give_account(db_url, "บุญมี ใจงาม", "line", member)
    await give_account(db_url, "ทองดี โนนดู่", "line", frog_chair)
    room = group_id()
    egg, frog = await join_code(db_url, EGG_GROUP), await join_code(db_url, FROG_GROUP)
    async with served(db_url, fake_line, fake_telegram, tmp_path / "serve.log") as bot:
        linked = " ".join(await bot.line_says(chair, f"เข้ากลุ่ม {egg}", group=room))
        tries = {
            "stranger": " ".join(await bot.line_says(stranger, f"เข้ากลุ่ม {frog}", group=room)),
            "member": " ".join(await bot.line_says(member, f"เข้ากลุ่ม {frog}", group=room)),
            "other group's chair": " ".join(
                await bot.line_says(frog_chair, f"เข้ากลุ่ม {frog}", group=room)
            ),
        }
    group = await scalar(db_url, select(ChatRoom.group_id).where(ChatRoom.external_id == room))
    egg_id = await scalar(
        db_url, select(Membership.group_id).join(Person, Person.id == Membership.person_id)
        .where(Person.name == "สมศรี ดวนใหญ่")
    )  # fmt: skip
    figures(
        "relinking a group chat",
        linked_by_chair=int("เชื่อมห้องนี้" in linked),
        relinked_by_others=sum(1 for t in tries.values() if "เชื่อมห้องนี้" in t),
    )
    assert "เชื่อมห้องนี้กับกลุ่มไข่เค็ม" in linked
    for who, text in tries.items():
        assert "เชื่อมห้องนี้" not in text and "ขออภัยค่ะ" in text, who
    assert group == egg_id


@pytest.mark.parametrize("polite", ["ยินยอมค่ะ", "ยินยอมครับ", "ยินยอมนะคะ 🙏"])
async def test_the_code_is_checked_before_consent_and_polite_consent_is_understood(
    db_url: str, fake_line: FakeLine, fake_telegram: FakeTelegram, tmp_path: Path, polite: str
) -> None:
    newcomer = user_id()
    async with served(db_url, fake_line, fake_telegram, tmp_path / "serve.log") as bot:
        wrong = " ".join(await bot.line_says(newcomer, "ลงทะเบียน ABCD-EFGH-JKMN"))
        notice = " ".join(
            await bot.line_says(newcomer, f"ลงทะเบียน {await join_code(db_url, EGG_GROUP)}")
        )
        welcome = " ".join(await bot.line_says(newcomer, polite))
    assert "ไม่พบรหัสนี้" in wrong and "ความเป็นส่วนตัว" not in wrong
    assert "รหัสถูกต้อง" in notice and "ความเป็นส่วนตัว" in notice
    assert "บันทึกความยินยอมแล้ว" in welcome and "สมาชิกของกลุ่มไข่เค็ม" in welcome
