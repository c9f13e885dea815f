"""LINE rich menus: the menus of bot/menus.py drawn by the bot (Pillow, the Thai font the
project ships), registered with the Messaging API, and linked per person.

Each menu is registered once under the alias `sammachip-<key>` (LINE aliases match
`^[a-z0-9_-]{1,32}$`) and named `sammachip:<key>:<fingerprint>`, the fingerprint covering the
layout and the picture: `sammachip setup` finds what is current by name, creates what changed,
points the alias at it and deletes the bot's stale menus (never another app's). The
stranger's menu is the channel's default; everyone linked gets their role's menu linked to
them personally (one call, or the bulk call for up to 500 people).

LINE's limits (Messaging API reference, "Rich menu"): an image of 2500×1686 or 2500×843
(JPEG or PNG, at most 1 MB), at most 20 areas, chat bar text at most 14 characters, an action
label at most 20 and postback data at most 300.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from linebot.v3.messaging import (
    ApiException,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    CreateRichMenuAliasRequest,
    RichMenuBulkLinkRequest,
    RichMenuBulkUnlinkRequest,
    RichMenuRequest,
    ShowLoadingAnimationRequest,
    UpdateRichMenuAliasRequest,
)
from PIL import Image, ImageDraw

from bot import drawing
from bot.channels.base import Permanent, Retryable, SendError
from bot.channels.cards import label
from bot.menus import STRANGER, Menu, every_menu, main_menu

log = logging.getLogger(__name__)

PREFIX = "sammachip"
WIDTH = 2500
FULL, HALF = 1686, 843
MAX_IMAGE_BYTES = 1024 * 1024
BULK = 500  # user ids per bulk link/unlink call
TAB_HEIGHT = 190
SWITCH_DATA = "richmenu-switch:"  # postback data of a tab switch: not a message (skipped)
ALIAS_CACHE_SECONDS = 300.0


def alias(menu: Menu | str) -> str:
    key = menu if isinstance(menu, str) else menu.key
    return f"{PREFIX}-{key}"


def _tabs(menu: Menu) -> tuple[Menu, ...]:
    from bot.menus import MENUS

    return MENUS[menu.role] if menu.tab else ()


def _height(menu: Menu) -> int:
    return FULL if len(menu.items) > 4 or menu.tab else HALF


def _grid(menu: Menu) -> list[tuple[int, int, int, int]]:
    """The (x, y, w, h) of each item's cell, row by row."""
    top = TAB_HEIGHT if menu.tab else 0
    rows = 2 if len(menu.items) > 4 else 1
    per_row = -(-len(menu.items) // rows)
    cell_w, cell_h = WIDTH // per_row, (_height(menu) - top) // rows
    cells = []
    for index in range(len(menu.items)):
        row, col = divmod(index, per_row)
        w = WIDTH - col * cell_w if col == per_row - 1 else cell_w
        cells.append((col * cell_w, top + row * cell_h, w, cell_h))
    return cells


def _tab_cells(menu: Menu) -> list[tuple[Menu, tuple[int, int, int, int]]]:
    tabs = _tabs(menu)
    if not tabs:
        return []
    w = WIDTH // len(tabs)
    return [(tab, (i * w, 0, WIDTH - i * w if i == len(tabs) - 1 else w, TAB_HEIGHT))
            for i, tab in enumerate(tabs)]  # fmt: skip


def picture(menu: Menu) -> bytes:
    """The menu's image: big Thai captions under simple icons, tabs on top if it has some."""
    height = _height(menu)
    image = Image.new("RGB", (WIDTH, height), drawing.LIGHT_GREEN)
    draw = ImageDraw.Draw(image)
    for tab, (x, y, w, h) in _tab_cells(menu):
        active = tab.key == menu.key
        drawing.rounded(draw, (x + 12, y + 12, x + w - 12, y + h), drawing.GREEN if active
                        else drawing.WHITE, radius=36)  # fmt: skip
        colour = drawing.WHITE if active else drawing.GREEN
        drawing.text(draw, (x + w / 2, y + h / 2 + 6), tab.tab, 80, weight=700, fill=colour,
                     anchor="mm")  # fmt: skip
    for item, (x, y, w, h) in zip(menu.items, _grid(menu), strict=True):
        pad = 14
        drawing.rounded(
            draw, (x + pad, y + pad, x + w - pad, y + h - pad), drawing.WHITE, radius=48
        )
        icon_size = min(w, h) * 0.36
        drawing.icon(draw, item.icon, x + w / 2, y + h * 0.38, icon_size, drawing.GREEN)
        room = w - 4 * pad
        size = drawing.fitting(item.caption, 104 if h > 600 else 96, room, weight=700)
        drawing.text(draw, (x + w / 2, y + h * 0.78), item.caption, size, weight=700,
                     fill=drawing.INK, anchor="mm")  # fmt: skip
    data = drawing.png(image.quantize(colors=64))
    if len(data) > MAX_IMAGE_BYTES:
        raise ValueError(f"rich menu image {menu.key} is {len(data)} bytes, over LINE's 1 MB")
    return data


def areas(menu: Menu) -> list[dict[str, Any]]:
    """Tappable areas: each item sends its words as a postback (LINE shows the caption in the
    chat as if typed); a tab switches to the other tab's menu by its alias."""
    found: list[dict[str, Any]] = []
    for tab, (x, y, w, h) in _tab_cells(menu):
        if tab.key == menu.key:
            continue
        found.append({"bounds": {"x": x, "y": y, "width": w, "height": h},
                      "action": {"type": "richmenuswitch", "label": label(tab.tab),
                                 "richMenuAliasId": alias(tab),
                                 "data": f"{SWITCH_DATA}{tab.key}"}})  # fmt: skip
    for item, (x, y, w, h) in zip(menu.items, _grid(menu), strict=True):
        found.append({"bounds": {"x": x, "y": y, "width": w, "height": h},
                      "action": {"type": "postback", "label": label(item.caption),
                                 "data": item.button.message, "displayText": item.caption,
                                 "inputOption": "closeRichMenu"}})  # fmt: skip
    return found


@dataclass(frozen=True, slots=True)
class Design:
    """One menu as LINE will hold it: the create request (JSON) and its picture."""

    menu: Menu
    request: dict[str, Any]
    image: bytes

    @property
    def name(self) -> str:
        return str(self.request["name"])

    @property
    def alias(self) -> str:
        return alias(self.menu)


@cache
def design(menu: Menu) -> Design:
    body = {
        "size": {"width": WIDTH, "height": _height(menu)},
        "selected": menu.role == STRANGER,
        "chatBarText": menu.chat_bar,
        "areas": areas(menu),
    }
    image = picture(menu)
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode() + image)
    request = {**body, "name": f"{PREFIX}:{menu.key}:{digest.hexdigest()[:12]}"}
    return Design(menu, request, image)


def designs() -> tuple[Design, ...]:
    return tuple(design(menu) for menu in every_menu())


def ours(name: str) -> bool:
    return name.startswith(f"{PREFIX}:")


# --- the API ------------------------------------------------------------------------------


def failure(error: ApiException, what: str) -> SendError:
    status = int(error.status or 0)
    detail = f"line {what}: {status} {str(error.body or '')[:200]}".strip()
    if status == 429 or status >= 500 or status in (0, 401, 408):
        return Retryable(detail)
    return Permanent(detail)


@dataclass
class LineMenus:
    """Links people's menus (the menu sync) and shows the loading animation. Rich menu ids
    are found through the aliases and kept for a few minutes."""

    api: AsyncMessagingApi
    timeout: float = 10.0
    batch: int = BULK
    _ids: dict[str, tuple[float, str]] = field(default_factory=dict)

    async def menu_id(self, role: str) -> str:
        key = alias(main_menu(role))
        cached = self._ids.get(key)
        if cached is not None and time.monotonic() - cached[0] < ALIAS_CACHE_SECONDS:
            return cached[1]
        try:
            found = await self.api.get_rich_menu_alias(key, _request_timeout=self.timeout)
        except ApiException as error:
            if error.status == 404:
                raise Retryable(f"line: no rich menu alias {key}: run `sammachip setup`") from error
            raise failure(error, "get alias") from error
        self._ids[key] = (time.monotonic(), found.rich_menu_id)
        return str(found.rich_menu_id)

    def forget(self) -> None:
        self._ids.clear()

    async def target(self, role: str) -> str:
        """What a person of this role should have linked: a menu id, or "" (the default)."""
        return "" if role == STRANGER else await self.menu_id(role)

    async def apply(self, role: str, users: Sequence[str]) -> str:
        """Links `role`'s menu to these people (strangers: unlinks, so the default shows).
        Returns what was applied (the menu id, or "")."""
        target = await self.target(role)
        try:
            for start in range(0, len(users), BULK):
                chunk = list(users[start : start + BULK])
                await self._apply(target, chunk)
        except ApiException as error:
            if error.status == 404:
                self.forget()  # the menu went away (set-up ran elsewhere): look it up again
            raise failure(error, "rich menu link") from error
        return target

    async def _apply(self, target: str, users: list[str]) -> None:
        t = self.timeout
        if len(users) == 1:
            if target:
                await self.api.link_rich_menu_id_to_user(users[0], target, _request_timeout=t)
            else:
                await self.api.unlink_rich_menu_id_from_user(users[0], _request_timeout=t)
        elif target:
            await self.api.link_rich_menu_id_to_users(
                RichMenuBulkLinkRequest(rich_menu_id=target, user_ids=users), _request_timeout=t
            )
        else:
            await self.api.unlink_rich_menu_id_from_users(
                RichMenuBulkUnlinkRequest(user_ids=users), _request_timeout=t
            )

    async def loading(self, chat_id: str, seconds: int = 20) -> None:
        """The "…" bubble in a one-to-one chat until the answer arrives (at most `seconds`)."""
        await self.api.show_loading_animation(
            ShowLoadingAnimationRequest(chat_id=chat_id, loading_seconds=seconds),
            _request_timeout=self.timeout,
        )


# --- set-up (used by bot/setup.py) ----------------------------------------------------------


@dataclass
class MenuState:
    """What LINE holds now of the bot's menus."""

    menus: dict[str, dict[str, Any]]  # rich menu id -> {name, ...} (ours only)
    aliases: dict[str, str]  # alias -> rich menu id (ours only)
    default: str | None


async def read_state(api: AsyncMessagingApi) -> MenuState:
    listed = await api.get_rich_menu_list()
    menus = {m.rich_menu_id: {"name": m.name} for m in listed.richmenus if ours(m.name)}
    aliases_found = await api.get_rich_menu_alias_list()
    aliases = {a.rich_menu_alias_id: a.rich_menu_id for a in aliases_found.aliases
               if a.rich_menu_alias_id.startswith(f"{PREFIX}-")}  # fmt: skip
    try:
        default: str | None = (await api.get_default_rich_menu_id()).rich_menu_id
    except ApiException as error:
        if error.status != 404:
            raise
        default = None
    return MenuState(menus, aliases, default)


def current_ids(state: MenuState) -> dict[str, str]:
    """Design name -> rich menu id, for the designs LINE already holds."""
    by_name = {info["name"]: menu_id for menu_id, info in state.menus.items()}
    return {d.name: by_name[d.name] for d in designs() if d.name in by_name}


async def create(api: AsyncMessagingApi, blob: AsyncMessagingApiBlob, found: Design) -> str:
    created = await api.create_rich_menu(RichMenuRequest.from_dict(found.request))
    menu_id = str(created.rich_menu_id)
    await blob.set_rich_menu_image(menu_id, found.image, _headers={"Content-Type": "image/png"})
    return menu_id


async def point_alias(api: AsyncMessagingApi, name: str, menu_id: str, exists: bool) -> None:
    if exists:
        await api.update_rich_menu_alias(name, UpdateRichMenuAliasRequest(rich_menu_id=menu_id))
    else:
        await api.create_rich_menu_alias(
            CreateRichMenuAliasRequest(rich_menu_alias_id=name, rich_menu_id=menu_id)
        )
