"""Sales charts as PNG: sales by month with Thai labels and Buddhist-Era months.

The Thai font ships as a Python dependency (`fontpkg-noto-sans-thai`, OFL) and is registered
with matplotlib once, on first use; nothing is downloaded and no GUI backend is touched (the
figure is drawn by the Agg canvas directly). matplotlib >= 3.11 shapes Thai, so tone marks and
vowels stack correctly. matplotlib is imported lazily: bot start-up does not pay for it.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import threading
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from bot.calendar import BE_OFFSET
from bot.reports.queries import sales_by_month
from bot.storage.models import StoredFile
from bot.storage.unit_of_work import UnitOfWork
from bot.wording import THAI_MONTHS_SHORT, number

FONT_PACKAGE = "fontpkg_noto_sans_thai"
# Only glyphs the Thai font lacks fall back to matplotlib's own font.
FALLBACK_FAMILY = "DejaVu Sans"
BAR_COLOUR = "#2e7d32"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# rcParams are process-wide; one chart is drawn at a time so concurrent calls (threads) cannot
# see each other's settings.
_drawing = threading.Lock()


def month_label(month: date) -> str:
    """The short Thai month and two-digit Buddhist-Era year: October 2025 -> ต.ค. 68."""
    return f"{THAI_MONTHS_SHORT[month.month - 1]} {(month.year + BE_OFFSET) % 100:02d}"


def font_path() -> str:
    """The Thai font file inside the installed font package."""
    files = resources.files(FONT_PACKAGE) / "files"
    fonts = sorted(entry.name for entry in files.iterdir() if entry.name.endswith((".ttf", ".otf")))
    if not fonts:
        raise RuntimeError(f"{FONT_PACKAGE} ships no font file")
    # Installed packages are plain directories, so the resource is a real file on disk.
    return str(files / fonts[0])


@cache
def thai_font_family() -> str:
    """Registers the packaged Thai font with matplotlib (once) and returns its family name."""
    from matplotlib import font_manager

    path = font_path()
    font_manager.fontManager.addfont(path)
    return str(font_manager.FontProperties(fname=path).get_name())


def sales_chart(months: Sequence[tuple[date, Decimal]], title: str) -> bytes:
    """A bar chart of sales per month (oldest first) as PNG bytes: Thai title, Buddhist-Era
    month labels ("ต.ค. 68"), a baht axis with thousands separators ("12,000")."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    labels = [month_label(month) for month, _ in months]
    values = [float(amount) for _, amount in months]  # drawing only; the figures stay Decimal
    total = sum((Decimal(amount) for _, amount in months), Decimal(0))
    period = f"{labels[0]} – {labels[-1]}" if labels else ""
    settings: dict[Any, Any] = {
        "font.family": [thai_font_family(), FALLBACK_FAMILY],
        "font.size": 11,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
    with _drawing, rc_context(settings):
        figure = Figure(figsize=(9, 4.8), dpi=110, layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        positions = list(range(len(values)))
        bars = axes.bar(positions, values, color=BAR_COLOUR, width=0.7)
        axes.set_xticks(positions, labels)
        axes.tick_params(axis="x", labelsize=10)
        axes.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
        axes.set_ylim(0, max([*values, 1.0]) * 1.18)
        axes.set_ylabel("ยอดขาย (บาท)")
        axes.grid(axis="y", alpha=0.3)
        axes.set_axisbelow(True)
        axes.bar_label(
            bars,
            labels=[number(Decimal(str(v)).quantize(Decimal(1))) if v else "" for v in values],
            padding=2,
            fontsize=9,
        )
        figure.suptitle(title, fontsize=15)
        axes.set_title(f"{period} · รวม {number(total)} บาท", fontsize=10, color="#555555")
        out = io.BytesIO()
        figure.savefig(out, format="png")
    return out.getvalue()


async def group_sales_chart(uow: UnitOfWork, group_id: int, end_month: date) -> bytes:
    """The last 12 months of a group's sales, ending with `end_month`, as a PNG."""
    group = await uow.groups.get(group_id)
    name = group.name if group is not None else f"กลุ่ม {group_id}"
    months = await sales_by_month(uow, group_id, end_month)
    # Drawing is a CPU-bound moment: keep it off the event loop.
    return await asyncio.to_thread(sales_chart, months, f"ยอดขายรายเดือน {name}")


# --- charts as cached, lazily drawn files --------------------------------------------------

CHART_TTL = timedelta(days=7)


def chart_spec(months: Sequence[tuple[date, Decimal]], title: str) -> dict[str, Any]:
    return {
        "chart": "sales",
        "title": title,
        "months": [[month.isoformat(), format(Decimal(amount), "f")] for month, amount in months],
    }


def render_spec(spec: dict[str, Any]) -> bytes:
    """Draws a stored chart spec (see `chart_file`)."""
    months = [(date.fromisoformat(day), Decimal(amount)) for day, amount in spec["months"]]
    return sales_chart(months, str(spec["title"]))


async def chart_file(uow: UnitOfWork, group_id: int, end_month: date, now: datetime) -> StoredFile:
    """The group's 12-month sales chart as a stored file, without drawing it: one cheap query
    for the numbers, then the file for (group, month, data version) — the same file while the
    numbers are the same. A new one is stored with its spec and drawn when first fetched
    (`bot.reports.files.load`), outside any message's transaction."""
    group = await uow.groups.get(group_id)
    name = group.name if group is not None else f"กลุ่ม {group_id}"
    months = await sales_by_month(uow, group_id, end_month)
    spec = chart_spec(months, f"ยอดขายรายเดือน {name}")
    version = hashlib.sha256(
        json.dumps([group_id, end_month.isoformat(), spec], sort_keys=True).encode()
    ).hexdigest()
    return await uow.files.cached(
        version, "image/png", spec, now=now, ttl=CHART_TTL, filename="sales.png"
    )
