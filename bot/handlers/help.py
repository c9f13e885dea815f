"""เมนู / ช่วยเหลือ / /help — what this person can do, as quick replies."""

from __future__ import annotations

from bot.handlers.context import Context, reply
from bot.handlers.start import HOW_TO_LINK
from bot.messages import QuickReply, Reply

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
BUTTONS = {
    "member": ("/sale", "/work", "/activity"),
    "chair": ("/meeting",),
    "treasurer": ("/monthly", "/meeting"),
    "officer": ("/visit", "แดชบอร์ด", "ส่งออก"),
    "trainer": ("อบรม",),
    "household": ("/sale",),
}
BUTTON_LABELS = {
    "/sale": "บันทึกการขาย",
    "/work": "บันทึกงาน",
    "/activity": "บันทึกกิจกรรม",
    "/meeting": "บันทึกการประชุม",
    "/monthly": "ส่งตัวเลขเดือน",
    "/visit": "บันทึกการเยี่ยม",
    "อบรม": "บันทึกการอบรม",
    "แดชบอร์ด": "แดชบอร์ด",
    "ส่งออก": "ส่งออก Excel",
}
ORDER = ("member", "chair", "treasurer", "officer", "trainer", "household")


async def menu(ctx: Context) -> Reply:
    if ctx.actor is None or not ctx.actor.roles:
        return reply(f"ยังไม่ได้ลงทะเบียนค่ะ\n{HOW_TO_LINK}")
    roles = ctx.actor.roles | ({"member"} if ctx.actor.groups else set())
    examples: list[str] = []
    buttons: list[str] = []
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
    quick = [QuickReply(BUTTON_LABELS[b], b) for b in buttons]
    quick += [QuickReply("สรุป"), QuickReply("ยกเลิกรายการล่าสุด", "ยกเลิก")]
    return reply(text, *quick)
