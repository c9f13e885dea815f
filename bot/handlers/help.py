"""เมนู / ช่วยเหลือ / /help — what this person can do, as quick replies."""

from __future__ import annotations

from bot.handlers.context import Context, reply
from bot.handlers.start import HOW_TO_LINK
from bot.messages import QuickReply, Reply
from bot.vocabulary import SUMMARY, UNDO_LAST, button, start_button

LINES = {
    "member": ("ขายไข่เค็ม 30 ฟอง 300 บาท", "ทำงาน 3 ชั่วโมง", "กิจกรรม แปรรูปไข่เค็ม"),
    "chair": ("ประชุม สมาชิกมา 12 คน เรื่องแบ่งงาน",),
    "treasurer": ("รายรับ 12,000 รายจ่าย 4,500 เดือน ต.ค.", "ปันผล 12,000 บาท ปี 2568", "สรุปปี"),
    "officer": (
        "เยี่ยม กลุ่มไข่เค็ม แนะนำให้ทำบัญชี",
        "สรุป",
        "ส่งออก ต.ค. (ไฟล์ Excel รายงานอำเภอ)",
        "ครัวเรือนต้นแบบ",
        "แดชบอร์ด",
        "ออกรหัสเหรัญญิก กลุ่มไข่เค็ม (รหัสใหม่ให้ผู้รับหน้าที่)",
    ),
    "trainer": ("อบรม การทำบัญชีครัวเรือน",),
    "household": ("ได้เงินขายผัก 200", "จ่ายค่าอาหารไก่ 350", "ขายไข่ 20 ฟอง 100 บาท"),
}
BUTTONS: dict[str, tuple[QuickReply, ...]] = {
    "member": (start_button("sale"), start_button("work"), start_button("activity")),
    "chair": (start_button("meeting"),),
    "treasurer": (start_button("monthly"), start_button("meeting")),
    "officer": (start_button("visit"), button("แดชบอร์ด"), button("ส่งออก Excel", "ส่งออก")),
    "trainer": (start_button("training"),),
    "household": (start_button("sale"), start_button("income"), start_button("expense")),
}
ORDER = ("member", "chair", "treasurer", "officer", "trainer", "household")


async def example(ctx: Context) -> str:
    """One report this person could type, in their own words: their group's own product
    ("ขายกบ 10 กิโล 1,200 บาท" for the frog group), their household's, or an officer's visit."""
    actor = ctx.actor
    if actor is None:
        return "ลงทะเบียน AB12CD"
    if actor.groups:
        group_id = ctx.room_group_id or actor.groups[0].group_id
        sold = await ctx.uow.records.usual_sale(group_id)
        if sold is not None:
            item, unit = sold
            return f"ขาย{item} 10 {unit or 'ชิ้น'} 300 บาท"
        group = await ctx.uow.groups.get(group_id)
        if group is not None:
            return f"ขาย{group.occupation} 10 ชิ้น 300 บาท"
    if actor.officer_id is not None:
        return "เยี่ยมกลุ่ม… สมาชิกขยัน แนะนำให้ทำบัญชี"
    if actor.trainer_id is not None:
        return "อบรมการทำบัญชีครัวเรือน คำปุ่น มาเรียน"
    if actor.household_id is not None:
        return "ได้เงินขายผัก 200 หรือ จ่ายค่าปุ๋ย 350"
    return "ขายไข่เค็ม 30 ฟอง 300 บาท"


async def menu(ctx: Context) -> Reply:
    if ctx.actor is None or not ctx.actor.roles:
        return reply(f"ยังไม่ได้ลงทะเบียนค่ะ\n{HOW_TO_LINK}")
    roles = ctx.actor.roles | ({"member"} if ctx.actor.groups else set())
    examples: list[str] = []
    buttons: list[QuickReply] = []
    for role in ORDER:
        if role in roles:
            examples.extend(LINES[role])
            buttons.extend(b for b in BUTTONS[role] if b not in buttons)
    text = (
        "พิมพ์รายงานแบบพูดคุยได้เลยค่ะ เช่น\n"
        + "\n".join(f"• {e}" for e in examples)
        + "\nหรือกดปุ่มด้านล่าง · พิมพ์ สรุป เพื่อดูยอดเดือนนี้ · ยกเลิก เพื่อยกเลิกรายการล่าสุด"
        + " · เพิ่มบัญชี เพื่อใช้อีกบัญชีแชทหนึ่ง (เช่น Telegram) ค่ะ"
    )
    return reply(text, *buttons, SUMMARY, UNDO_LAST)
