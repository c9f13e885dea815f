"""What kind of report a message is: keyword scoring over whole tokens, with typo tolerance.

Every keyword found adds its weight to one or more intents; the first keyword in the message
gets a bonus, because villagers lead with the verb ("ขายผักได้เงิน 200" is a sale, "ได้เงินขาย
ผัก 200" is household income, the account-book phrasing). Ties go to the intent whose first
keyword comes first. Command words (สรุป, ยกเลิก, เมนู...) only count fully at the start of a
message, so "ลงพื้นที่ช่วยเหลือกลุ่ม" is a visit, not a request for help.

Keywords must start at a token boundary (or right after a prefix newmm glues on, such as
การ/ที่/ผู้: "การประชุม", "ที่ประชุม"), so "ค่า" inside "มูลค่า" and "ยี่" inside "เยี่ยม" never
match. A few short keywords must also end on a token boundary ("ทำ" is not in "ทำนา").

A keyword directly negated ("ไม่ได้ขาย", "ห้ามขาย", "ยังไม่ได้ขาย", "งดประชุม", "ขายไม่ออก") does
not count; a message whose only keywords are negated is `unknown` with ``negated=True``.

Typos: when no keyword scores strongly, windows of one to three adjacent word tokens are
compared with the keywords of five or more characters at edit distance 1 ("ประชม" → ประชุม,
"เยี้ยม" → เยี่ยม, "ลงพื้นทื่" → ลงพื้นที่). Windows start where a word token starts and may end
inside one; a deletion-neighbourhood index makes each window a few dict look-ups.

The words themselves are in `keywords` (the table), the typo search in `typos`; this module
finds the hits in a message and scores them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Final

from bot.nlu.keywords import BY_TEXT, KEYWORDS, Hit, Keyword, is_weak, negated_at
from bot.nlu.result import ActivityKind, Intent
from bot.nlu.tokens import Token
from bot.nlu.typos import fuzzy_hits, short_typo

_KEYWORD_RE: Final = re.compile(
    "|".join(re.escape(k.text) for k in sorted(KEYWORDS, key=lambda k: -len(k.text))),
    re.IGNORECASE,  # "Help", "UNDO"
)
# Prefixes newmm glues onto a keyword: "การประชุม", "ที่ประชุม", "ผู้ขาย", "มีมติ", "คำแนะนำ"...
_GLUED_PREFIXES: Final = ("การ", "ที่", "ผู้", "มี", "ความ", "นัก", "ไป", "มา")

_FIRST_BONUS: Final = 10
_MONTH_BONUS: Final = 10  # a month named without a day hints at monthly figures
_FUZZY_BELOW: Final = 30  # look for typos only when no defining keyword was found
_TIE_ORDER: Final[tuple[Intent, ...]] = (
    "undo", "help", "report", "monthly", "sale", "income", "expense", "meeting",
    "training", "activity", "work", "visit",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class IntentChoice:
    intent: Intent
    negated: bool = False
    activity_kind: ActivityKind | None = None


def find_keywords(tokens: list[Token]) -> tuple[list[Token], list[Hit]]:
    """Keyword hits in ``tokens``; returns the tokens re-cut at hit edges, hits marked."""
    joined, starts = _joined(tokens)
    ends = {s + len(t.text) for s, t in zip(starts, tokens, strict=True)}
    hits: list[Hit] = []
    covered = 0
    for start, token in zip(starts, tokens, strict=True):
        if token.kind not in ("word", "latin") or start < covered:
            continue
        positions = [start]
        if token.text.startswith(_GLUED_PREFIXES):
            positions += [
                start + len(prefix)
                for prefix in _GLUED_PREFIXES
                if len(token.text) > len(prefix) and token.text.startswith(prefix)
            ]
        for position in positions:
            if position < covered:
                continue
            keyword = _longest_at(joined, position, ends)
            if keyword is None:
                continue
            end = position + len(keyword.text)
            negated = keyword.negative or negated_at(joined, position, end)
            hits.append(Hit(keyword, position, end, negated))
            covered = end
    exact = hits
    hits = _drop_negating_commands(hits)
    if not hits or max(_raw_score(h) for h in hits) < _FUZZY_BELOW:
        # typos are looked for only when no keyword is strong (it costs ~30 µs), and never
        # over text a strong exact keyword already explains
        fuzzy = fuzzy_hits(tokens, starts, joined, covered_by=exact)
        hits = [
            h
            for h in hits
            if not (is_weak(h) and any(f.start < h.end and h.start < f.end for f in fuzzy))
        ]
        hits.extend(fuzzy)
        hits.sort(key=lambda h: h.start)
    if not hits:
        hits = short_typo(tokens, starts)
    return _mark(tokens, starts, hits), hits


def _drop_negating_commands(hits: list[Hit]) -> list[Hit]:
    """ "ยกเลิกประชุม" (meeting called off) is a negated meeting, not the undo command; with a
    space, "ยกเลิก ขายไข่ 30 ฟอง", it stays the command (undo that record)."""
    kept: list[Hit] = []
    for index, hit in enumerate(hits):
        following = hits[index + 1] if index + 1 < len(hits) else None
        glued_negation = following is not None and following.negated and following.start == hit.end
        if not (hit.keyword.command and glued_negation):
            kept.append(hit)
    return kept


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the numbers of the message say, for the few choices keywords cannot make alone."""

    quantity: bool = False  # a product quantity ("15 กิโล", "300 ฟอง")
    duration: bool = False  # hours, minutes or a clock range: work was timed
    days: bool = False  # a length in days ("ครึ่งวัน", "2 วัน")
    money: bool = False  # an amount of money
    roles: frozenset[str] = frozenset()  # the sender's roles, when known


_DURATION_BONUS: Final = 25  # "ห่อไข่เค็ม 3 ชม.": timed work without the word ทำงาน
_SALE_OVER_BOOTH: Final = 30  # "ออกบูธงาน OTOP ขายไข่เค็มได้ 3,200": money makes it a sale


def choose_intent(
    hits: list[Hit],
    slash: Intent | None,
    month_named: bool,
    evidence: Evidence | None = None,
) -> IntentChoice:
    """Pick the intent with the highest score (see the module docstring for the rules).

    A buyer as subject ("ลูกค้ามาซื้อ…") turns the buying and paying words after it into the
    sale they are for us; a weak production verb counts only with a quantity made; timed work
    leans to `work`; a fair or booth story with a sale and money is the sale.
    """
    evidence = evidence or Evidence()
    scores: dict[Intent, int] = {}
    first_seen: dict[Intent, int] = {}
    live = [
        h
        for h in hits
        if not h.negated
        and (evidence.quantity or not h.keyword.needs_quantity)
        and (evidence.duration or evidence.days or not h.keyword.needs_time)
    ]
    first_word = min((h.start for h in hits), default=0)
    buyer_at: int | None = None
    scored = 0
    for hit in live:
        if hit.keyword.buyer and buyer_at is None:
            buyer_at = hit.start
        for intent, weight in hit.keyword.scores:
            if intent == "unknown" or weight == 0:
                continue
            if buyer_at is not None and intent == "expense":
                intent = "sale"  # "ลูกค้ามาซื้อ", "ลูกค้าจ่ายมา", "ลูกค้าโอนค่าไข่"
            if hit.keyword.command and not _near_start(hit, first_word, live):
                weight //= 4
            if hit.fuzzy:
                weight = weight * 8 // 10
            if scored == 0:
                weight += _FIRST_BONUS
            if weight <= 0:
                continue
            scores[intent] = scores.get(intent, 0) + weight
            first_seen.setdefault(intent, hit.start)
        if any(i != "unknown" and w > 0 for i, w in hit.keyword.scores):
            scored += 1
    if month_named and "monthly" in scores:
        scores["monthly"] += _MONTH_BONUS
    if evidence.duration:
        scores["work"] = scores.get("work", 0) + _DURATION_BONUS
        first_seen.setdefault("work", 1 << 30)
    if slash is not None:
        return IntentChoice(slash, activity_kind=_kind(slash, live))
    if not scores:
        return IntentChoice("unknown", negated=any(h.negated for h in hits))
    best = _best(scores, first_seen)
    if best == "activity" and evidence.money and _defining(live, "sale"):
        scores["sale"] = scores.get("sale", 0) + _SALE_OVER_BOOTH
        best = _best(scores, first_seen)
    return IntentChoice(best, activity_kind=_kind(best, live))


def _best(scores: dict[Intent, int], first_seen: dict[Intent, int]) -> Intent:
    return max(
        scores,
        key=lambda i: (scores[i], -first_seen[i], -_TIE_ORDER.index(i) if i in _TIE_ORDER else 0),
    )


def _defining(hits: list[Hit], intent: Intent) -> bool:
    """Whether a defining keyword (weight ≥ 30) of ``intent`` is among ``hits``."""
    return any(i == intent and w >= 30 for h in hits for i, w in h.keyword.scores)


def _near_start(hit: Hit, first_word: int, live: list[Hit]) -> bool:
    """A command word counts fully when it is the first or second keyword of the message
    and starts within a few characters of the first one ("ขอดูสรุป", "สรุปเดือน ก.ย.")."""
    return hit.start - first_word <= 6 and live.index(hit) <= 1


def _kind(intent: Intent, hits: Iterable[Hit]) -> ActivityKind | None:
    if intent == "training":
        return "training"
    if intent != "activity":
        return None
    best: tuple[int, ActivityKind] | None = None
    for hit in hits:
        kind = hit.keyword.kind
        if kind is None:
            continue
        weight = max(w for _, w in hit.keyword.scores)
        if kind != "other" and (best is None or weight > best[0]):
            best = (weight, kind)
    return best[1] if best else "other"


def _raw_score(hit: Hit) -> int:
    return 0 if hit.negated else max(w for _, w in hit.keyword.scores)


def _joined(tokens: list[Token]) -> tuple[str, list[int]]:
    starts: list[int] = []
    position = 0
    for token in tokens:
        starts.append(position)
        position += len(token.text)
    return "".join(t.text for t in tokens), starts


def _longest_at(joined: str, position: int, ends: set[int]) -> Keyword | None:
    """The longest keyword starting at ``position`` (one regex match: the alternation is
    ordered longest first), or None. A strict keyword must end on a token boundary."""
    match = _KEYWORD_RE.match(joined, position)
    if match is None:
        return None
    keyword = BY_TEXT[match.group().lower()]
    if keyword.strict and match.end() not in ends:
        return None
    return keyword


def _mark(tokens: list[Token], starts: list[int], hits: list[Hit]) -> list[Token]:
    """Cut tokens at hit edges and mark the pieces inside a hit with role "keyword".

    Hits are sorted and do not overlap, so one forward pass over tokens and hits suffices.
    """
    if not hits:
        return tokens
    out: list[Token] = []
    spans = sorted((h.start, h.end) for h in hits)
    current = 0  # index of the first hit that may still touch the current token
    for start, token in zip(starts, tokens, strict=True):
        end = start + len(token.text)
        while current < len(spans) and spans[current][1] <= start:
            current += 1
        if current == len(spans) or spans[current][0] >= end or token.kind not in ("word", "latin"):
            out.append(token)  # no hit touches this token
            continue
        edges = {start, end}
        for hit_start, hit_end in spans[current:]:
            if hit_start >= end:
                break
            edges.update(e for e in (hit_start, hit_end) if start < e < end)
        ordered = sorted(edges)
        for left, right in pairwise(ordered):
            piece = (
                token
                if len(ordered) == 2
                else Token(token.kind, token.text[left - start : right - start])
            )
            if any(s <= left and right <= e for s, e in spans[current:]):
                piece.role = "keyword"
            out.append(piece)
    return out


# --- typo tolerance -------------------------------------------------------------------------
