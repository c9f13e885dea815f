"""Finding the person a report names among the people it may be about: "สมศรี", "ป้าสมศรี",
"สมศรี ดวนใหญ่", a nickname typed a little differently. Only a single clear match counts; two
candidates or none are asked, never guessed (the caller asks "งานของใครคะ")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

# Kinship words and titles villagers put before a name: "ป้าสมศรี", "ลุงบุญมี", "น.ส.มาลี".
HONORIFICS = ("นางสาว", "น.ส.", "นาย", "นาง", "คุณ", "ป้า", "ลุง", "น้า", "อา", "พี่", "น้อง",
              "ยาย", "ตา", "แม่", "พ่อ", "ยายแม่", "แม่ใหญ่", "พ่อใหญ่", "ผู้ใหญ่")  # fmt: skip
_HONORIFIC = re.compile(
    "^(?:" + "|".join(sorted(map(re.escape, HONORIFICS), key=len, reverse=True)) + ")"
)
FUZZY = 0.8  # how alike a typed name and a first name must be ("สมสี" for "สมศรี")


def bare_name(name: str) -> str:
    cleaned = "".join(name.split())
    without = _HONORIFIC.sub("", cleaned)
    return without or cleaned


def _first(full: str) -> str:
    return full.split()[0] if full.split() else full


def match_member(said: str, people: Sequence[tuple[int, str]]) -> tuple[int, str] | None:
    """The one person `said` names, by first name, full name or a near spelling."""
    wanted = bare_name(said)
    if not wanted:
        return None
    exact = [(pid, name) for pid, name in people
             if wanted in (_first(name), "".join(name.split()))]  # fmt: skip
    if len(exact) == 1:
        return exact[0]
    if exact:
        return None  # two people share that first name: ask
    prefix = [(pid, name) for pid, name in people if "".join(name.split()).startswith(wanted)
              or wanted.startswith(_first(name))]  # fmt: skip
    if len(prefix) == 1 and len(wanted) >= 3:
        return prefix[0]
    scored = sorted(
        ((SequenceMatcher(None, wanted, _first(name)).ratio(), pid, name) for pid, name in people),
        reverse=True,
    )
    if scored and scored[0][0] >= FUZZY and (len(scored) == 1 or scored[1][0] < FUZZY):
        return scored[0][1], scored[0][2]
    return None


def named_in(text: str, people: Sequence[tuple[int, str]]) -> str | None:
    """A first name of one of `people` written in the text ("วันนี้บุญมีมาช่วย…"), if exactly
    one is; the caller still matches it, so a name that is also a word costs one question."""
    squeezed = "".join(text.split())
    found = {
        _first(name) for _pid, name in people if len(_first(name)) >= 3 and _first(name) in squeezed
    }
    return found.pop() if len(found) == 1 else None
