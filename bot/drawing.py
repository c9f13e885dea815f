"""Pictures the bot draws itself with Pillow: the rich menus' images and the join posters.

Text uses the Thai font the project already ships (`fontpkg-noto-sans-thai`, a variable font:
weight 100-900) through Pillow's Raqm layout, so vowels and tone marks stack as Thai is
written. Nothing is downloaded. A character the font has no glyph for would print as a box:
`text()` warns (`MissingGlyph`) instead, and the test suite turns warnings into failures.
Icons are drawn from shapes, not emoji (the font has none).
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable, Iterable
from functools import cache

from PIL import Image, ImageDraw, ImageFont, features

from bot.reports.charts import font_path

log = logging.getLogger(__name__)
GREEN = (27, 94, 32)
LIGHT_GREEN = (232, 245, 233)
WHITE = (255, 255, 255)
INK = (17, 24, 39)
GREY = (107, 114, 128)
LINE_GREEN = (6, 199, 85)
TELEGRAM_BLUE = (34, 158, 217)

Colour = tuple[int, int, int]


class MissingGlyph(UserWarning):
    """A character the Thai font cannot draw (it would show as a box)."""


@cache
def _glyphs() -> frozenset[int]:
    from fontTools.ttLib import TTFont  # installed with matplotlib

    return frozenset(TTFont(font_path()).getBestCmap())


def missing(text: str) -> set[str]:
    """Characters of `text` (other than spaces) the font has no glyph for."""
    have = _glyphs()
    return {c for c in text if not c.isspace() and ord(c) not in have}


@cache
def shaping() -> bool:
    """Whether Pillow can shape Thai (Raqm, which loads the system's libfribidi). Without it
    vowels and tone marks overlap: said once in the log, and checked by the tests."""
    found = bool(features.check("raqm"))
    if not found:
        log.warning("Pillow has no Raqm layout (install libfribidi0): Thai marks may overlap")
    return found


@cache
def font(size: int, weight: int = 400) -> ImageFont.FreeTypeFont:
    engine = ImageFont.Layout.RAQM if shaping() else ImageFont.Layout.BASIC
    face = ImageFont.truetype(font_path(), size, layout_engine=engine)
    face.set_variation_by_axes([weight, 100])  # weight, width
    return face


def text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    words: str,
    size: int,
    *,
    weight: int = 400,
    fill: Colour = INK,
    anchor: str = "la",
) -> None:
    lost = missing(words)
    if lost:
        warnings.warn(f"no glyph for {sorted(lost)!r} in {words!r}", MissingGlyph, stacklevel=2)
    draw.text(xy, words, font=font(size, weight), fill=fill, anchor=anchor)


def width(words: str, size: int, weight: int = 400) -> float:
    return float(font(size, weight).getlength(words))


def fitting(words: str, size: int, room: float, weight: int = 400, smallest: int = 20) -> int:
    """The largest font size up to `size` at which `words` fit in `room` pixels."""
    while size > smallest and width(words, size, weight) > room:
        size -= 2
    return size


def wrap(words: str, size: int, room: float, weight: int = 400) -> list[str]:
    """Lines of `words` that fit `room` pixels, broken at spaces (Thai is written without
    spaces between words, so phrases are separated by spaces in our texts)."""
    lines: list[str] = []
    current = ""
    for word in words.split():
        trial = f"{current} {word}".strip()
        if current and width(trial, size, weight) > room:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines


def rounded(
    draw: ImageDraw.ImageDraw,
    box: tuple[float, float, float, float],
    fill: Colour,
    radius: float = 40,
    outline: Colour | None = None,
    line: int = 0,
) -> None:
    draw.rounded_rectangle(box, radius=radius, fill=fill, outline=outline, width=line)


# --- icons: simple shapes in a square of side `s` centred on (x, y) ----------------------


def icon(
    draw: ImageDraw.ImageDraw, name: str, x: float, y: float, s: float, colour: Colour
) -> None:
    """Draws the named icon; an unknown name draws a plain dot."""
    paint = _ICONS.get(name, _dot)
    paint(draw, x, y, s, colour)


def _w(s: float) -> int:
    return max(4, int(s / 14))


def _dot(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    d.ellipse((x - s / 4, y - s / 4, x + s / 4, y + s / 4), fill=c)


def _basket(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    h = s / 2
    d.polygon(
        [(x - h, y - s / 8), (x + h, y - s / 8), (x + h * 0.75, y + h), (x - h * 0.75, y + h)],
        fill=c,
    )
    d.arc((x - h * 0.6, y - h, x + h * 0.6, y + h * 0.2), 180, 360, fill=c, width=_w(s))


def _clock(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    r = s / 2
    d.ellipse((x - r, y - r, x + r, y + r), outline=c, width=_w(s))
    d.line((x, y, x, y - r * 0.6), fill=c, width=_w(s))
    d.line((x, y, x + r * 0.45, y + r * 0.2), fill=c, width=_w(s))


def _people(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    for dx in (-s / 4, s / 4):
        d.ellipse((x + dx - s / 8, y - s / 2, x + dx + s / 8, y - s / 4), fill=c)
        d.pieslice((x + dx - s / 4, y - s / 5, x + dx + s / 4, y + s / 2), 180, 360, fill=c)


def _table(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    d.rounded_rectangle((x - s / 2, y - s / 10, x + s / 2, y + s / 10), radius=s / 20, fill=c)
    for dx in (-s / 2.5, 0, s / 2.5):
        d.ellipse((x + dx - s / 10, y - s / 2.2, x + dx + s / 10, y - s / 4), fill=c)
    d.line((x - s / 3, y, x - s / 3, y + s / 2), fill=c, width=_w(s))
    d.line((x + s / 3, y, x + s / 3, y + s / 2), fill=c, width=_w(s))


def _ledger(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    d.rounded_rectangle(
        (x - s / 2.6, y - s / 2, x + s / 2.6, y + s / 2), radius=s / 12, outline=c, width=_w(s)
    )
    for i in range(3):
        yy = y - s / 5 + i * s / 5
        d.line((x - s / 4.5, yy, x + s / 4.5, yy), fill=c, width=_w(s))


def _house(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    d.polygon([(x - s / 2, y), (x, y - s / 2), (x + s / 2, y)], fill=c)
    d.rectangle((x - s / 3, y, x + s / 3, y + s / 2), fill=c)


def _board(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    d.rectangle((x - s / 2, y - s / 2.5, x + s / 2, y + s / 5), outline=c, width=_w(s))
    d.line((x, y + s / 5, x - s / 4, y + s / 2), fill=c, width=_w(s))
    d.line((x, y + s / 5, x + s / 4, y + s / 2), fill=c, width=_w(s))


def _coin(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour, up: bool) -> None:
    r = s / 3
    d.ellipse((x - r - s / 8, y - r, x + r - s / 8, y + r), outline=c, width=_w(s))
    tip = y - s / 2 if up else y + s / 2
    base = y + s / 6 if up else y - s / 6
    d.line((x + s / 3, base, x + s / 3, tip), fill=c, width=_w(s))
    d.polygon(
        [
            (x + s / 3 - s / 8, tip + (s / 8 if up else -s / 8)),
            (x + s / 3 + s / 8, tip + (s / 8 if up else -s / 8)),
            (x + s / 3, tip),
        ],
        fill=c,
    )


def _chart(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    for i, h in enumerate((0.35, 0.6, 0.9)):
        left = x - s / 2 + i * s / 3
        d.rectangle((left + s / 24, y + s / 2 - s * h, left + s / 3 - s / 24, y + s / 2), fill=c)


def _undo(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    r = s / 2.6
    d.arc((x - r, y - r, x + r, y + r), 200, 520, fill=c, width=_w(s) + 2)
    ax, ay = x - r * math.cos(math.radians(20)), y - r * math.sin(math.radians(20))
    d.polygon([(ax - s / 6, ay), (ax + s / 8, ay - s / 7), (ax + s / 10, ay + s / 6)], fill=c)


def _menu(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    for i in (-1, 0, 1):
        d.rounded_rectangle(
            (x - s / 2.4, y + i * s / 4 - s / 16, x + s / 2.4, y + i * s / 4 + s / 16),
            radius=s / 20,
            fill=c,
        )


def _help(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    r = s / 2
    d.ellipse((x - r, y - r, x + r, y + r), outline=c, width=_w(s))
    text(d, (x, y), "?", int(s * 0.6), weight=800, fill=c, anchor="mm")


def _key(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    d.ellipse((x - s / 2, y - s / 4, x, y + s / 4), outline=c, width=_w(s))
    d.line((x, y, x + s / 2, y), fill=c, width=_w(s))
    d.line((x + s / 3, y, x + s / 3, y + s / 6), fill=c, width=_w(s))
    d.line((x + s / 2.1, y, x + s / 2.1, y + s / 6), fill=c, width=_w(s))


def _shield(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    d.polygon(
        [
            (x - s / 2.5, y - s / 2.5),
            (x, y - s / 2),
            (x + s / 2.5, y - s / 2.5),
            (x + s / 3, y + s / 6),
            (x, y + s / 2),
            (x - s / 3, y + s / 6),
        ],
        fill=c,
    )


def _gift(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    d.rectangle((x - s / 2.4, y - s / 8, x + s / 2.4, y + s / 2), fill=c)
    d.rectangle((x - s / 2, y - s / 3.5, x + s / 2, y - s / 12), fill=c)
    d.line((x, y - s / 3.5, x, y + s / 2), fill=WHITE, width=_w(s))
    d.ellipse((x - s / 3, y - s / 2, x - s / 14, y - s / 3.5), outline=c, width=_w(s))
    d.ellipse((x + s / 14, y - s / 2, x + s / 3, y - s / 3.5), outline=c, width=_w(s))


def _calendar(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    d.rounded_rectangle(
        (x - s / 2, y - s / 2.6, x + s / 2, y + s / 2), radius=s / 12, outline=c, width=_w(s)
    )
    d.rectangle((x - s / 2, y - s / 2.6, x + s / 2, y - s / 6), fill=c)
    for i in range(3):
        for j in range(2):
            cx, cy = x - s / 4 + i * s / 4, y + j * s / 4
            d.rectangle((cx - s / 18, cy - s / 18, cx + s / 18, cy + s / 18), fill=c)


def _download(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    d.line((x, y - s / 2, x, y + s / 6), fill=c, width=_w(s) + 2)
    d.polygon([(x - s / 4, y - s / 12), (x + s / 4, y - s / 12), (x, y + s / 4)], fill=c)
    d.line((x - s / 2, y + s / 2.5, x + s / 2, y + s / 2.5), fill=c, width=_w(s) + 2)


def _gauge(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    for i in range(2):
        for j in range(2):
            left, top = x - s / 2 + i * s / 1.9, y - s / 2 + j * s / 1.9
            d.rounded_rectangle((left, top, left + s / 2.3, top + s / 2.3), radius=s / 14, fill=c)


def _star(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    points = []
    for i in range(10):
        r = s / 2 if i % 2 == 0 else s / 4.6
        a = math.radians(-90 + i * 36)
        points.append((x + r * math.cos(a), y + r * math.sin(a)))
    d.polygon(points, fill=c)


def _qr(d: ImageDraw.ImageDraw, x: float, y: float, s: float, c: Colour) -> None:
    q = s / 2.6
    for cx, cy in ((x - s / 4, y - s / 4), (x + s / 4, y - s / 4), (x - s / 4, y + s / 4)):
        d.rectangle((cx - q / 2, cy - q / 2, cx + q / 2, cy + q / 2), outline=c, width=_w(s))
        d.rectangle((cx - q / 6, cy - q / 6, cx + q / 6, cy + q / 6), fill=c)
    d.rectangle((x + s / 8, y + s / 8, x + s / 2.4, y + s / 2.4), fill=c)


Paint = Callable[[ImageDraw.ImageDraw, float, float, float, Colour], None]
_ICONS: dict[str, Paint] = {
    "basket": _basket, "clock": _clock, "people": _people, "table": _table, "ledger": _ledger,
    "house": _house, "board": _board, "chart": _chart, "undo": _undo, "menu": _menu,
    "help": _help, "key": _key, "shield": _shield, "gift": _gift, "calendar": _calendar,
    "download": _download, "gauge": _gauge, "star": _star, "qr": _qr,
    "coin_in": lambda d, x, y, s, c: _coin(d, x, y, s, c, True),
    "coin_out": lambda d, x, y, s, c: _coin(d, x, y, s, c, False),
}  # fmt: skip

ICONS = frozenset(_ICONS)


def png(image: Image.Image, *, optimize: bool = True) -> bytes:
    import io

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=optimize)
    return out.getvalue()


def lines_fit(lines: Iterable[str], size: int, room: float, weight: int = 400) -> bool:
    return all(width(line, size, weight) <= room for line in lines)
