"""Regenerates the pictures of docs/channels.md from the code that makes the real thing:

    .venv/bin/python docs/screenshots.py

- rich-menu-member.png, rich-menu-officer.png: the rich menu images exactly as `sammachip
  setup` uploads them to LINE (scaled to half size here);
- receipt-card.png: the receipt card's Flex Message (the JSON the bot sends) laid out in HTML
  the way LINE lays out its boxes, photographed by Debian's Chromium (offline; needs the PyPI
  playwright package of the test extras, never `playwright install`);
- poster-example.png: a join poster for the demo egg group (scaled to half size).
"""

from __future__ import annotations

import html
import io
import sys
from datetime import date
from pathlib import Path
from typing import Any

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import posters  # noqa: E402
from bot.channels import line_menus  # noqa: E402
from bot.channels.line import render  # noqa: E402
from bot.handlers.common import saved  # noqa: E402
from bot.menus import MENUS  # noqa: E402
from bot.messages import CardField  # noqa: E402

DOCS = ROOT / "docs"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def half(data: bytes, name: str) -> None:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    image = image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)
    image.save(DOCS / name, optimize=True)


SIZES = {"xs": 11, "sm": 13, "md": 15, "lg": 18}
# This machine has no colour emoji font; phones do. The one emoji of the receipt is drawn.
CHECK = ('<svg width="1em" height="1em" viewBox="0 0 20 20" style="vertical-align:-2px">'
         '<rect width="20" height="20" rx="4" fill="#22c55e"/><path d="M5 10.5l3.2 3.2L15 7" '
         'stroke="#fff" stroke-width="2.4" fill="none"/></svg>')  # fmt: skip


def words(text: str) -> str:
    return html.escape(text).replace("✅", CHECK)


def flex_html(node: dict[str, Any]) -> str:
    """A Flex component as HTML (the subset the bot's cards use)."""
    kind = node.get("type")
    if kind == "box":
        direction = "row" if node.get("layout") in ("horizontal", "baseline") else "column"
        gap = {"sm": 6, "md": 10}.get(node.get("spacing", ""), 0)
        style = f"display:flex;flex-direction:{direction};gap:{gap}px;"
        if node.get("backgroundColor"):
            style += f"background:{node['backgroundColor']};"
        if node.get("paddingAll"):
            style += "padding:14px;"
        inner = "".join(flex_html(c) for c in node.get("contents", []))
        return f'<div style="{style}flex:{node.get("flex", "0 1 auto")}">{inner}</div>'
    if kind == "text":
        size = SIZES.get(node.get("size", "md"), 15)
        weight = 700 if node.get("weight") == "bold" else 400
        align = node.get("align", "start").replace("start", "left").replace("end", "right")
        style = (f"font-size:{size}px;font-weight:{weight};color:{node.get('color', '#111')};"
                 f"text-align:{align};flex:{node.get('flex', '0 1 auto')};")  # fmt: skip
        return f'<div style="{style}">{words(node.get("text", ""))}</div>'
    if kind == "separator":
        return '<div style="border-top:1px solid #e5e7eb;margin:4px 0"></div>'
    if kind == "button":
        primary = node.get("style") == "primary"
        colours = (
            "background:#1B5E20;color:#fff;" if primary else "background:#eef2ee;color:#1B5E20;"
        )
        label = html.escape(node["action"]["label"])
        return (f'<div style="{colours}flex:1;text-align:center;padding:10px;border-radius:8px;'
                f'font-weight:700;font-size:14px">{label}</div>')  # fmt: skip
    return ""


def receipt() -> None:
    from playwright.sync_api import sync_playwright

    fields = [CardField("สินค้า", "ไข่เค็มสมุนไพร"), CardField("จำนวน", "30 ฟอง"),
              CardField("ราคา", "ฟองละ 10 บาท"), CardField("ยอดเงิน", "300 บาท", strong=True),
              CardField("ของ", "สมศรี ดวนใหญ่")]  # fmt: skip
    answer = saved("บันทึกการขายแล้วค่ะ", ["ของ สมศรี ดวนใหญ่", "ไข่เค็มสมุนไพร 30 ฟอง", "รวม 300 บาท"],
                   date(2025, 10, 20), "กลุ่มไข่เค็มสมุนไพรลูกหม่อน", fields=fields)  # fmt: skip
    [message] = render(answer, "https://bot.example.go.th")
    bubble = message["contents"]
    blocks = "".join(
        f'<div style="padding:{"0" if name == "header" else "14px"}">{flex_html(bubble[name])}</div>'
        for name in ("header", "body", "footer") if name in bubble
    )  # fmt: skip
    quick = "".join(
        f'<span style="border:1px solid #06c755;color:#06c755;border-radius:16px;padding:6px 12px;'
        f'margin-right:6px;font-size:13px">{html.escape(i["action"]["label"])}</span>'
        for i in message["quickReply"]["items"]
    )  # fmt: skip
    page = f"""<html><body style="margin:0;background:#8cabd9;font-family:'Noto Sans Thai','Loma',sans-serif">
    <div style="padding:20px">
      <div style="width:300px;background:#fff;border-radius:18px;overflow:hidden;box-shadow:0 1px 2px #0002">{blocks}</div>
      <div style="margin-top:14px;font-size:12px;color:#fff">altText: {words(message["altText"])}</div>
      <div style="margin-top:12px;background:#fff;padding:10px;border-radius:10px;width:420px">{quick}</div>
    </div></body></html>"""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            view = browser.new_page(viewport={"width": 480, "height": 450}, device_scale_factor=2)
            view.set_content(page)
            view.screenshot(path=str(DOCS / "receipt-card.png"), full_page=True)
        finally:
            browser.close()


def main() -> None:
    half(line_menus.design(MENUS["member"][0]).image, "rich-menu-member.png")
    half(line_menus.design(MENUS["officer"][0]).image, "rich-menu-officer.png")
    facts = posters.PosterFacts(
        group_name="กลุ่มไข่เค็มสมุนไพรลูกหม่อน", village="บ้านดวนใหญ่ หมู่ที่ 2", district="วังหิน",
        role="member", code="K7Q2MX",
        line_url=posters.line_url("@123abcde", posters.join_message("K7Q2MX")),
        telegram_url=posters.telegram_url("sammachip_bot", "K7Q2MX"),
        officer="รัตนา พัฒนกิจ", made_on=date(2025, 10, 20),
    )  # fmt: skip
    half(posters.render(facts, "png"), "poster-example.png")
    receipt()


if __name__ == "__main__":
    main()
