"""What the operator commands print without `--json`: short Thai sentences a district office
reads, each saying what to do next with the codes. (`--json` prints the documented objects.)"""

from __future__ import annotations

from typing import Any

from bot.nlu.result import Parsed
from bot.wording import baht, number, quantity, thai_date, thai_month

INTENT_NAMES = {
    "sale": "การขาย",
    "income": "รายรับของครัวเรือน",
    "expense": "รายจ่ายของครัวเรือน",
    "meeting": "การประชุม",
    "work": "การทำงาน",
    "activity": "กิจกรรมกลุ่ม",
    "training": "การอบรมครัวเรือน",
    "monthly": "ตัวเลขประจำเดือน",
    "visit": "การเยี่ยมของพัฒนากร",
    "help": "ขอความช่วยเหลือ",
    "undo": "ยกเลิกรายการล่าสุด",
    "report": "ขอดูสรุป",
    "unknown": "ยังไม่เข้าใจ",
}


def officer_added(data: dict[str, Any], name: str, district: str, province: str) -> str:
    code = data["link_code"]
    return (
        f"เพิ่มพัฒนากร {name} (อำเภอ{district} จังหวัด{province}) แล้วค่ะ\n"
        f"รหัสพัฒนากร: {data['officer_id']} (ใช้กับ --officer เมื่อเพิ่มกลุ่ม วิทยากร และครัวเรือน)\n"
        f"รหัสเชื่อมบัญชี: {code} ให้พัฒนากรพิมพ์ ลงทะเบียน {code} ในแชทกับบอทค่ะ\n"
    )


def administrator_added(data: dict[str, Any], name: str, where: str) -> str:
    code = data["link_code"]
    return (
        f"เพิ่มผู้ดูแล {name} ({where}) แล้วค่ะ (รหัสผู้ดูแล {data['administrator_id']})\n"
        f"รหัสเชื่อมบัญชี: {code} ใช้ได้ครั้งเดียว ให้ผู้ดูแลพิมพ์ ลงทะเบียน {code} ในแชทกับบอทค่ะ\n"
    )


def group_added(data: dict[str, Any], name: str) -> str:
    join = data["join_code"]
    return (
        f"เพิ่มกลุ่มอาชีพ {name} แล้วค่ะ (รหัสกลุ่ม {data['group_id']})\n"
        f"รหัสสมาชิก: {join} สมาชิกพิมพ์ เข้ากลุ่ม {join} ในแชทกับบอท "
        "(พิมพ์ในแชทกลุ่ม LINE หรือ Telegram เพื่อเชื่อมห้องแชทกับกลุ่ม)\n"
        f"รหัสเหรัญญิก: {data['treasurer_code']} ให้เหรัญญิกพิมพ์ เข้ากลุ่ม {data['treasurer_code']}\n"
        f"รหัสประธาน: {data['chair_code']} ให้ประธานพิมพ์ เข้ากลุ่ม {data['chair_code']}\n"
        "รหัสเหรัญญิกและประธานให้เฉพาะตัวบุคคลนะคะ\n"
    )


def household_added(data: dict[str, Any], head: str, trainer: str) -> str:
    code = data["join_code"]
    return (
        f"เพิ่มครัวเรือนของ {head} แล้วค่ะ (รหัสครัวเรือน {data['household_id']} · วิทยากร {trainer})\n"
        f"รหัสเชื่อมบัญชี: {code} ให้ครัวเรือนพิมพ์ ลงทะเบียน {code} ในแชทกับบอทค่ะ\n"
    )


def trainer_added(data: dict[str, Any], name: str) -> str:
    code = data["link_code"]
    return (
        f"วิทยากร {name} (รหัสวิทยากร {data['trainer_id']}) พร้อมแล้วค่ะ\n"
        f'เพิ่มครัวเรือนที่ดูแลด้วย sammachip household add --trainer "{name}" …\n'
        f"รหัสเชื่อมบัญชี: {code} ให้วิทยากรพิมพ์ ลงทะเบียน {code} ในแชทกับบอทค่ะ\n"
    )


def parsed(result: Parsed) -> str:
    """What the bot understood, one labelled line per part found."""
    amount = (
        f"{quantity(result.quantity)} {result.unit or ''}".strip()
        if result.quantity is not None
        else None
    )
    parts: list[tuple[str, str | None]] = [
        ("วันที่", thai_date(result.date) if result.date else None),
        ("เดือน", thai_month(result.month) if result.month else None),
        ("รายการ", result.item),
        ("จำนวน", amount),
        ("ราคาต่อหน่วย", baht(result.unit_price) if result.unit_price is not None else None),
        ("ยอดเงิน", baht(result.amount) if result.amount is not None else None),
        ("รายรับ", baht(result.income) if result.income is not None else None),
        ("รายจ่าย", baht(result.expenses) if result.expenses is not None else None),
        ("ผู้เข้าร่วม", f"{number(result.attendees)} คน" if result.attendees is not None else None),
        ("ชั่วโมง", f"{quantity(result.hours)} ชั่วโมง" if result.hours is not None else None),
        ("ต้องถามเพิ่ม", ", ".join(result.ambiguous) if result.ambiguous else None),
    ]
    lines = [f"เข้าใจว่าเป็น: {INTENT_NAMES.get(result.intent, result.intent)} ({result.intent})"]
    lines += [f"{label}: {value}" for label, value in parts if value]
    for line in result.items:
        what = " ".join(
            part
            for part in (
                line.item,
                f"{quantity(line.quantity)} {line.unit or ''}".strip() if line.quantity else "",
                baht(line.amount) if line.amount is not None else "",
            )
            if part
        )
        lines.append(f"สินค้า: {what}")
    return "\n".join(lines) + "\n"


def plain(data: dict[str, Any]) -> str:
    """Any other result, one "key: value" per line (with --json it is one JSON object)."""
    return "".join(f"{key}: {'-' if value is None else value}\n" for key, value in data.items())


def imported(outcome: Any, dry_run: bool) -> str:
    """`sammachip import`: what changed per sheet, then every new code (shown this once)."""
    lines = [
        "ตรวจแล้ว ไฟล์ถูกต้องทั้งหมดค่ะ (ทดลองเท่านั้น ยังไม่ได้บันทึกอะไร · dry run, nothing saved)"
        if dry_run
        else "นำเข้าข้อมูลแล้วค่ะ (imported)"
    ]
    for sheet, tally in outcome.tallies.items():
        if tally.new or tally.updated or tally.unchanged:
            lines.append(
                f"{sheet}: ใหม่ {number(tally.new)} · ปรับปรุง {number(tally.updated)} · "
                f"เหมือนเดิม {number(tally.unchanged)}"
            )
    codes = outcome.codes
    if any(codes.values()) and not dry_run:
        lines.append("")
        lines.append(
            "รหัสใหม่ (แสดงครั้งเดียว ระบบเก็บไว้แบบเข้ารหัส เก็บรักษาให้ดีนะคะ · new codes, shown once):"
        )
    for officer in codes["officers"] if not dry_run else ():
        lines.append(
            f"พัฒนากร {officer['name']} (รหัส {officer['officer_id']}, อำเภอ{officer['district']}): "
            f"ลงทะเบียน {officer['link_code']}"
        )
    for trainer in codes["trainers"] if not dry_run else ():
        lines.append(
            f"วิทยากร {trainer['name']} (รหัส {trainer['trainer_id']}): ลงทะเบียน {trainer['link_code']}"
        )
    for group in codes["groups"] if not dry_run else ():
        lines.append(
            f"กลุ่ม {group['name']} {group['village']} (รหัสกลุ่ม {group['group_id']}): "
            f"สมาชิก เข้ากลุ่ม {group['join_code']} · เหรัญญิก {group['treasurer_code']} · "
            f"ประธาน {group['chair_code']}"
        )
    for household in codes["households"] if not dry_run else ():
        lines.append(
            f"ครัวเรือน {household['head']} {household['village']} (รหัส {household['household_id']}): "
            f"ลงทะเบียน {household['join_code']}"
        )
    if codes["groups"] and not dry_run:
        lines.append("พิมพ์โปสเตอร์เข้ากลุ่มได้ด้วย sammachip poster group รหัสกลุ่ม --out poster.pdf ค่ะ")
    return "\n".join(lines) + "\n"


def import_refused(outcome: Any) -> str:
    """Every problem with its sheet and row; nothing was saved."""
    count = len(outcome.problems)
    head = f"พบข้อผิดพลาด {number(count)} รายการ (nothing imported: {count} problem(s)):"
    tail = (
        f"ยังไม่ได้นำเข้าอะไรเลย แก้ {number(count)} รายการข้างบนในไฟล์ "
        "แล้วตรวจอีกครั้งด้วย sammachip import FILE --dry-run ค่ะ"
    )
    return "\n".join([head, *(f"- {p.thai()}" for p in outcome.problems), tail]) + "\n"
