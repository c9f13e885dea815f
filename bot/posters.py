"""Join posters: an A4 page in Thai an officer prints and pins up at the group's meeting
place. It shows the group's name and village, a QR code per platform that opens the chat with
the bot with the join message already typed, the code in large letters for those who type it,
and three steps.

LINE: `https://line.me/R/oaMessage/{basic id}/?{text}` opens the Official Account's chat with
the text typed (LINE URL scheme). Telegram: `https://t.me/{bot}?start={code}` opens the bot and
its Start button sends `/start CODE`. QR codes by segno (pure Python); the page by Pillow, with
the Thai font the project ships, saved as PNG or as a one-page PDF at 300 dpi.

A member's code may be shared on a poster; a treasurer's or chair's code grants a role, so
their posters go only to an officer in a private chat (bot/handlers/poster.py).
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

import segno
from PIL import Image, ImageDraw

from bot import drawing
from bot.addresses import BotAddresses
from bot.services.enrolment_codes import CodeKind, display
from bot.services.errors import NotAllowed
from bot.storage.models import Role
from bot.storage.unit_of_work import UnitOfWork
from bot.wording import thai_date

DPI = 300
A4 = (2480, 3508)  # 210 × 297 mm at 300 dpi
ROLE_WORDS = {Role.MEMBER: "สมาชิกกลุ่ม", Role.TREASURER: "เหรัญญิกกลุ่ม", Role.CHAIR: "ประธานกลุ่ม"}
PRIVILEGED = frozenset({Role.TREASURER, Role.CHAIR})


@dataclass(frozen=True, slots=True)
class PosterFacts:
    group_name: str
    village: str
    district: str
    role: str
    code: str
    line_url: str | None
    telegram_url: str | None
    officer: str = ""
    made_on: date | None = None

    @property
    def join_text(self) -> str:
        return join_message(self.code)


def join_message(code: str) -> str:
    return f"เข้ากลุ่ม {code}"


def line_url(basic_id: str, text: str) -> str:
    """LINE's "send a message to an Official Account" link, the text already typed."""
    return f"https://line.me/R/oaMessage/{quote(basic_id, safe='@')}/?{quote(text, safe='')}"


def telegram_url(username: str, code: str) -> str:
    """Telegram's deep link: the Start button sends `/start CODE` (A-Z a-z 0-9 _ -, ≤ 64)."""
    return f"https://t.me/{username.lstrip('@')}?start={code}"


async def group_facts(
    uow: UnitOfWork,
    group_id: int,
    role: str,
    addresses: BotAddresses,
    today: date | None = None,
    *,
    issue: Callable[[CodeKind, int], Awaitable[str]] | None = None,
) -> PosterFacts:
    """What a poster shows. The member join code is the group's shareable one; a treasurer's
    or chair's poster carries a NEW single-use code (`issue`), the previous unused one stops
    working (codes are kept only as digests, so an old one cannot be printed again)."""
    group = await uow.groups.get(group_id)
    if group is None:
        raise NotAllowed(f"ไม่พบกลุ่มอาชีพรหัส {group_id} ค่ะ")
    if Role(role) == Role.MEMBER:
        code = display(group.join_code or "")
    else:
        if issue is None:
            raise NotAllowed("โปสเตอร์รหัสเหรัญญิกหรือประธานต้องออกรหัสใหม่ทุกครั้งค่ะ")
        code = await issue(CodeKind(role), group.id)
    village = await uow.groups.area_by_id(group.village_id)
    district = ""
    area = village
    while area is not None and area.parent_id is not None:
        area = await uow.groups.area_by_id(area.parent_id)
        if area is not None and area.kind == "district":
            district = area.name
    officer = await uow.people.officer(group.officer_id)
    return PosterFacts(
        group_name=group.name,
        village=village.name if village else "",
        district=district,
        role=role,
        code=code,
        line_url=line_url(addresses.line_basic_id, join_message(code))
        if addresses.line_basic_id
        else None,
        telegram_url=telegram_url(addresses.telegram_username, code)
        if addresses.telegram_username
        else None,
        officer=officer.name if officer else "",
        made_on=today,
    )


def _qr(url: str, size: int) -> Image.Image:
    code = segno.make(url, error="m", micro=False)
    out = io.BytesIO()
    modules = code.symbol_size(scale=1, border=4)[0]
    code.save(out, kind="png", scale=max(1, size // modules), border=4)
    out.seek(0)
    return Image.open(out).convert("RGB").resize((size, size), Image.Resampling.NEAREST)


def _centre(draw: ImageDraw.ImageDraw, y: float, words: str, size: int, **style: object) -> None:
    drawing.text(draw, (A4[0] / 2, y), words, size, anchor="mt", **style)  # type: ignore[arg-type]


MARGIN = 150


def page(facts: PosterFacts) -> Image.Image:
    """The poster as one A4 image (300 dpi)."""
    w, h = A4
    image = Image.new("RGB", (w, h), drawing.WHITE)
    d = ImageDraw.Draw(image)
    _header(d, facts)
    y = _qr_codes(image, d, facts)
    y = _code(d, facts, y)
    _steps(d, facts, y)
    _footer(d, facts)
    return image


def _header(d: ImageDraw.ImageDraw, facts: PosterFacts) -> None:
    w, margin = A4[0], MARGIN
    d.rectangle((0, 0, w, 760), fill=drawing.GREEN)
    _centre(d, 110, "ผู้ช่วยสัมมาชีพชุมชน · กรมการพัฒนาชุมชน", 64, fill=drawing.WHITE)
    name_size = drawing.fitting(facts.group_name, 150, w - 2 * margin, weight=800)
    _centre(d, 250, facts.group_name, name_size, weight=800, fill=drawing.WHITE)
    where = " · ".join(
        x for x in (facts.village, f"อำเภอ{facts.district}" if facts.district else "") if x
    )
    if where:
        _centre(d, 470, where, drawing.fitting(where, 80, w - 2 * margin), fill=drawing.WHITE)
    role_line = f"สมัครเป็น{ROLE_WORDS.get(Role(facts.role), 'สมาชิกกลุ่ม')}ด้วยมือถือ"
    _centre(d, 600, role_line, 76, weight=700, fill=drawing.WHITE)


def _qr_codes(image: Image.Image, d: ImageDraw.ImageDraw, facts: PosterFacts) -> int:
    """One QR code per platform, side by side; where the next part starts."""
    w = A4[0]
    codes = [(name, url, colour) for name, url, colour in (
        ("LINE", facts.line_url, drawing.LINE_GREEN),
        ("Telegram", facts.telegram_url, drawing.TELEGRAM_BLUE),
    ) if url]  # fmt: skip
    top, qr_size = 860, 760
    gap = (w - len(codes) * qr_size) / (len(codes) + 1)
    for index, (name, url, colour) in enumerate(codes):
        x = gap + index * (qr_size + gap)
        drawing.rounded(d, (x - 40, top - 40, x + qr_size + 40, top + qr_size + 180), drawing.WHITE,
                        radius=50, outline=colour, line=12)  # fmt: skip
        assert url is not None
        image.paste(_qr(url, qr_size), (int(x), top))
        drawing.text(d, (x + qr_size / 2, top + qr_size + 30), f"สแกนด้วย {name}", 72,
                     weight=700, fill=colour, anchor="mt")  # fmt: skip
    return top + qr_size + 250


def _code(d: ImageDraw.ImageDraw, facts: PosterFacts, y: int) -> int:
    """The code in large letters, for typing; where the steps start."""
    w, margin = A4[0], MARGIN
    _centre(d, y, "หรือพิมพ์ในแชตกับบอท", 70, fill=drawing.GREY)
    spaced = " ".join(facts.code)
    code_box = (margin, y + 100, w - margin, y + 390)
    drawing.rounded(d, code_box, drawing.LIGHT_GREEN, radius=60)
    _centre(d, y + 125, f"เข้ากลุ่ม {spaced}", drawing.fitting(f"เข้ากลุ่ม {spaced}", 190,
                                                                w - 3 * margin, weight=800),
            weight=800, fill=drawing.GREEN)  # fmt: skip
    return y + 480


def _steps(d: ImageDraw.ImageDraw, facts: PosterFacts, y: int) -> None:
    w, margin = A4[0], MARGIN
    steps = (
        "สแกน QR ด้วยกล้องมือถือ หรือแอป LINE / Telegram",
        f"ในแชตที่เปิดขึ้น กดส่งข้อความ “{facts.join_text}” ที่พิมพ์ไว้ให้แล้ว (Telegram: กด Start)",
        "อ่านเรื่องความเป็นส่วนตัว กด ยินยอม แล้วเริ่มบันทึกการขายได้เลย",
    )
    for number, step in enumerate(steps, 1):
        d.ellipse((margin, y, margin + 130, y + 130), fill=drawing.GREEN)
        drawing.text(d, (margin + 65, y + 66), str(number), 80, weight=800, fill=drawing.WHITE,
                     anchor="mm")  # fmt: skip
        lines = drawing.wrap(step, 64, w - 2 * margin - 180)
        for n, line in enumerate(lines):
            drawing.text(d, (margin + 180, y + 10 + n * 88), line, 64)
        y += max(170, 88 * len(lines) + 60)


def _footer(d: ImageDraw.ImageDraw, facts: PosterFacts) -> None:
    w, h = A4
    margin = MARGIN
    footer_y = h - 260
    if facts.role in PRIVILEGED:
        warning = "รหัสนี้ใช้ได้ครั้งเดียวสำหรับผู้รับหน้าที่เท่านั้น อย่าติดประกาศหรือส่งต่อ"
        drawing.rounded(
            d, (margin, footer_y - 190, w - margin, footer_y - 60), (255, 235, 238), radius=30
        )
        _centre(d, footer_y - 165, warning, drawing.fitting(warning, 60, w - 3 * margin),
                weight=700, fill=(183, 28, 28))  # fmt: skip
    made = f"จัดทำโดย {facts.officer} พัฒนากร" if facts.officer else "จัดทำโดยพัฒนากร"
    if facts.made_on is not None:
        made += f" · {thai_date(facts.made_on)}"
    _centre(d, footer_y + 40, made, 56, fill=drawing.GREY)


def render(facts: PosterFacts, fmt: str = "pdf") -> bytes:
    """The poster as a PNG, or as a one-page A4 PDF (300 dpi)."""
    image = page(facts)
    if fmt == "png":
        return drawing.png(image)
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=DPI, title=f"โปสเตอร์ {facts.group_name}")
    return out.getvalue()
