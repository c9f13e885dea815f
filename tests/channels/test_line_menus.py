"""The rich menus the bot draws: within LINE's limits, read back unchanged by the SDK's
models, every tap a vocabulary word, and every Thai caption drawn with the Thai font."""

from __future__ import annotations

import io
import re
import warnings

import pytest
from linebot.v3.messaging import RichMenuRequest
from PIL import Image, ImageDraw

from bot import drawing
from bot.channels import line_menus
from bot.menus import MENUS, every_menu
from tests.conversations.test_vocabulary import EVERY_BUTTON

LISTED = {(b.label, b.message) for b in EVERY_BUTTON}
DESIGNS = line_menus.designs()


@pytest.mark.parametrize("design", DESIGNS, ids=lambda d: d.menu.key)
def test_each_menu_is_within_lines_limits(design: line_menus.Design) -> None:
    request = design.request
    assert RichMenuRequest.from_dict(request).to_dict() == request  # the SDK's model, unchanged
    size = (request["size"]["width"], request["size"]["height"])
    assert size in ((2500, 1686), (2500, 843))
    image = Image.open(io.BytesIO(design.image))
    assert image.format == "PNG" and image.size == size and len(design.image) < 1024 * 1024
    assert 1 <= len(request["chatBarText"]) <= 14 and len(request["name"]) <= 300
    assert re.fullmatch(r"[a-z0-9_-]{1,32}", design.alias)
    assert 1 <= len(request["areas"]) <= 20
    for area in request["areas"]:
        b = area["bounds"]
        assert b["x"] >= 0 and b["x"] + b["width"] <= size[0]
        assert b["y"] >= 0 and b["y"] + b["height"] <= size[1]
        action = area["action"]
        assert 1 <= len(action["label"]) <= 20 and len(action["data"]) <= 300
        if action["type"] == "postback":
            assert (action["displayText"], action["data"]) in LISTED  # a vocabulary button
        else:
            assert action["type"] == "richmenuswitch"
            assert action["data"].startswith(line_menus.SWITCH_DATA)


def test_areas_cover_the_menu_without_overlapping() -> None:
    """Every pixel but the tab being shown (nothing to do there) is one button's."""
    for design in DESIGNS:
        areas = [a["bounds"] for a in design.request["areas"]]
        covered = sum(b["width"] * b["height"] for b in areas)
        size = design.request["size"]
        shown_tab = 0
        if design.menu.tab:
            shown_tab = size["width"] // len(MENUS[design.menu.role]) * line_menus.TAB_HEIGHT
        assert covered + shown_tab == size["width"] * size["height"], design.menu.key


def test_the_officer_menu_has_two_tabs_that_switch_by_alias() -> None:
    main, more = MENUS["officer"]
    switches = [
        a["action"]["richMenuAliasId"]
        for a in line_menus.design(main).request["areas"]
        if a["action"]["type"] == "richmenuswitch"
    ]
    assert switches == [line_menus.alias(more)]
    back = [
        a["action"]["richMenuAliasId"]
        for a in line_menus.design(more).request["areas"]
        if a["action"]["type"] == "richmenuswitch"
    ]
    assert back == [line_menus.alias(main)]


def test_names_change_exactly_when_the_design_does() -> None:
    names = {d.name for d in DESIGNS}
    assert len(names) == len(DESIGNS) and all(line_menus.ours(n) for n in names)
    line_menus.design.cache_clear()
    assert {d.name for d in line_menus.designs()} == names  # drawn again: the same pictures


def test_thai_is_drawn_with_the_thai_font_and_shaped() -> None:
    assert drawing.shaping(), "Pillow has no Raqm layout: install libfribidi0 (see .ci/run)"
    captions = [item.caption for menu in every_menu() for item in menu.items]
    captions += [menu.tab for menu in every_menu() if menu.tab]
    for caption in captions:
        assert drawing.missing(caption) == set(), caption
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph would warn (MissingGlyph)
        line_menus.design.cache_clear()
        line_menus.designs()
    # Shaped: a tone mark above a vowel above a consonant takes no extra width.
    assert drawing.width("ปี่", 100) == pytest.approx(drawing.width("ป", 100), abs=2)


def test_a_character_the_font_lacks_is_a_warning_not_a_silent_box() -> None:
    draw = ImageDraw.Draw(Image.new("RGB", (10, 10)))
    with pytest.warns(drawing.MissingGlyph, match="📊"):
        drawing.text(draw, (0, 0), "สรุป 📊", 20)
