"""The menus each role sees, channel-free: on LINE the rich menu at the bottom of the chat
(bot/channels/line_menus.py draws and registers it), on Telegram the chat's command list
(bot/channels/telegram_menus.py). Every caption comes from bot/vocabulary.py and sends its
own words, so a tap and the same words typed go through the same command table; each item's
Telegram command means the same (tests/conversations/test_menus.py checks both).

A person sees the menu of their highest role: officer, administrator (district or province
office), treasurer, chair, target household, trainer, member; anyone not linked sees the
stranger's. The officer's menu has two tabs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot import vocabulary as v
from bot.messages import QuickReply
from bot.services.actors import Actor

STRANGER = "stranger"
# Highest first: the menu of the first role a person holds is the one they see.
ROLES: Final = ("officer", "admin", "treasurer", "chair", "household", "trainer", "member")
ALL_ROLES: Final = (
    STRANGER, "member", "chair", "treasurer", "household", "trainer", "officer", "admin",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Item:
    button: QuickReply  # the caption, and the words a tap sends
    command: str  # the Telegram command (without "/") that does the same
    icon: str  # the picture drawn above the caption on LINE

    @property
    def caption(self) -> str:
        return self.button.label


@dataclass(frozen=True, slots=True)
class Menu:
    key: str  # unique: names the LINE rich menu alias ("sammachip-<key>")
    role: str
    chat_bar: str  # LINE's chat bar text, at most 14 characters
    items: tuple[Item, ...]
    tab: str = ""  # this tab's caption when the role's menu has two tabs


def _start(intent: str, icon: str) -> Item:
    _caption, slash = v.START[intent]
    return Item(v.start_button(intent), slash.removeprefix("/"), icon)


SALE = _start("sale", "basket")
WORK = _start("work", "clock")
ACTIVITY = _start("activity", "people")
MEETING = _start("meeting", "table")
MONTHLY = _start("monthly", "ledger")
VISIT = _start("visit", "house")
TRAINING = _start("training", "board")
INCOME = _start("income", "coin_in")
EXPENSE = _start("expense", "coin_out")
SUMMARY = Item(v.SUMMARY, "report", "chart")
UNDO = Item(v.UNDO_LATEST, "undo", "undo")
MENU = Item(v.MENU, "help", "menu")
HELP = Item(v.HELP, "help", "help")
HOW_TO_LINK = Item(v.HOW_TO_LINK, "start", "key")
MY_DATA = Item(v.MY_DATA, "mydata", "shield")
DIVIDEND = Item(v.DIVIDEND, "dividend", "gift")
VISIT_PLAN = Item(v.VISIT_PLAN, "plan", "calendar")
DISTRICT = Item(v.DISTRICT_SUMMARY, "district", "chart")
PROVINCE = Item(v.PROVINCE_SUMMARY, "province", "chart")
EXPORT = Item(v.EXPORT, "export", "download")
DASHBOARD = Item(v.DASHBOARD, "dashboard", "gauge")
MODELS = Item(v.MODEL_HOUSEHOLDS, "model", "star")
POSTER = Item(v.POSTER, "poster", "qr")
SNOOZE = Item(v.SNOOZE, "snooze", "clock")

MENUS: Final[dict[str, tuple[Menu, ...]]] = {
    STRANGER: (Menu("stranger", STRANGER, "เริ่มต้นใช้งาน", (HOW_TO_LINK, MY_DATA, HELP)),),
    "member": (Menu("member", "member", "เมนูสมาชิก", (SALE, WORK, ACTIVITY, SUMMARY, UNDO, MENU)),),
    "chair": (Menu("chair", "chair", "เมนูประธาน", (SALE, WORK, MEETING, SUMMARY, UNDO, MENU)),),
    "treasurer": (
        Menu(
            "treasurer",
            "treasurer",
            "เมนูเหรัญญิก",
            (SALE, WORK, MONTHLY, DIVIDEND, MEETING, SUMMARY, UNDO, MENU),
        ),
    ),
    "household": (
        Menu("household", "household", "เมนูครัวเรือน", (SALE, INCOME, EXPENSE, SUMMARY, UNDO, MENU)),
    ),
    "trainer": (Menu("trainer", "trainer", "เมนูวิทยากร", (TRAINING, SUMMARY, UNDO, MENU)),),
    "officer": (
        Menu(
            "officer",
            "officer",
            "เมนูพัฒนากร",
            (VISIT_PLAN, VISIT, DISTRICT, EXPORT, DASHBOARD, MENU),
            tab="งานเยี่ยม",
        ),
        Menu(
            "officer-more",
            "officer",
            "เมนูพัฒนากร",
            (MODELS, POSTER, UNDO, SNOOZE, MY_DATA, MENU),
            tab="เครื่องมือ",
        ),
    ),
    # District and province offices: read-only views of every group below them.
    "admin": (
        Menu("admin", "admin", "เมนูผู้ดูแล", (PROVINCE, DISTRICT, DASHBOARD, MY_DATA, HELP, MENU)),
    ),
}


def role_of(actor: Actor | None) -> str:
    """The role whose menu this person sees."""
    if actor is None:
        return STRANGER
    held = actor.roles
    return next((role for role in ROLES if role in held), STRANGER)


def main_menu(role: str) -> Menu:
    return MENUS[role][0]


def every_menu() -> tuple[Menu, ...]:
    return tuple(menu for role in ALL_ROLES for menu in MENUS[role])


def commands(role: str) -> tuple[tuple[str, str], ...]:
    """(command, caption) for the role's Telegram command list, each command once."""
    seen: dict[str, str] = {}
    for menu in MENUS[role]:
        for item in menu.items:
            seen.setdefault(item.command, item.caption)
    return tuple(seen.items())
