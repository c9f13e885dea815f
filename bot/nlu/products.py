"""Sales and purchases naming several products: one `SaleLine` each when each has its own
figures, otherwise the products listed and the split asked; and the item of an account-book
line (ค่า… kept, whose it was dropped, income named by its kind).

Apart from `sales` because finding the lines is about words (which run of content is a product,
which verb it follows), reading each line's figures is about numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from bot.nlu import lexicon, money, mood
from bot.nlu.draft import Draft, mark_used, single, value_of
from bot.nlu.figures import Mention
from bot.nlu.intents import IntentChoice
from bot.nlu.keywords import Hit, money_verb
from bot.nlu.result import Intent, SaleLine
from bot.nlu.sales import fill_sale_like
from bot.nlu.slots import clean_item, first_hit_index, is_content, previous_word
from bot.nlu.tokens import Token


@dataclass(slots=True)
class _Line:
    item: str | None = None
    mentions: list[Mention] = field(default_factory=list)
    joined: bool = False  # listed with "กับ", "และ", ","
    verb: Intent | None = None  # the money verb before it: "ขาย…", "ซื้อ…", "ค่า…"

    @property
    def figures(self) -> bool:
        return any(m.kind in ("money", "quantity", "unit_price", "bare") for m in self.mentions)


def fill_money_lines(
    intent: Intent,
    tokens: list[Token],
    hits: list[Hit],
    choice: IntentChoice,
    mentions: list[Mention],
    draft: Draft,
) -> None:
    """One product, or several each with its own figures (``items``), or a question."""
    start = first_hit_index(tokens, hits, choice)
    lines, before = _lines(tokens, start, mentions, intent)
    products = [
        line
        for position, line in enumerate(lines)
        if line.item and (position == 0 or line.figures or line.joined)
    ]
    if len(products) <= 1:
        fill_sale_like(intent, mentions, draft, tokens)
        item = products[0].item if products else None
        if item is None and before:
            item = before[0]
        draft.item = clean_item(item)
        if intent in ("income", "expense"):
            draft.item = _income_kind(tokens, hits) or draft.item
        return
    for line in lines:
        if not line.item and line.mentions:
            products[0].mentions.extend(line.mentions)  # figures before any product name
    subs: list[tuple[str, Draft]] = []
    for line in products:
        sub = Draft()
        fill_sale_like(intent, line.mentions, sub, tokens)
        subs.append((clean_item(line.item) or "", sub))
    complete = all(s.amount is not None and not s.ambiguous and name for name, s in subs)
    fits = _SAME_BOOK[intent]
    if any(line.verb is not None and line.verb not in fits for line in products):
        complete = False  # "ขายไข่เค็ม 500 บาท ซื้อไข่เป็ด 300 บาท": money in and out, asked
    if intent == "income" and any(
        name.startswith("ค่า") and name not in lexicon.INCOME_KINDS for name, _ in subs
    ):
        complete = False  # "ได้เงินขายไข่ 200 ค่าอาหารไก่ 150": money in and out, asked
    if complete:
        draft.items = tuple(
            SaleLine(name, s.amount, s.quantity, s.unit, s.unit_price) for name, s in subs
        )
        return
    # "ไข่เค็มกับน้ำพริก ได้ 1,850": which money is whose is not known; the products and their
    # counts are listed, the one stated total kept, and the split asked.
    mark_used(mentions)
    draft.items = tuple(SaleLine(name, None, s.quantity, s.unit) for name, s in subs)
    cash = [m for m in mentions if m.kind in ("money", "bare")]
    total = single(value_of(m) for m in cash)
    if total is not None and money.plausible_money(total):
        draft.amount = money.money(total)
    draft.ask("item")
    if draft.amount is None:
        draft.ask("amount")


# The lines one record may hold: a sale's lines are sales; an income's may be sales of produce
# ("ได้เงินขายผัก 200 ขายไข่ 100"); an expense's are expenses.
_SAME_BOOK: Final[dict[str, frozenset[str]]] = {
    "sale": frozenset({"sale"}),
    "income": frozenset({"income", "sale"}),
    "expense": frozenset({"expense"}),
}


def _lines(
    tokens: list[Token], start: int, mentions: list[Mention], intent: Intent
) -> tuple[list[_Line], list[str]]:
    """The products of a money report in text order, each with the numbers that follow it;
    and the candidate items before the keyword ("ไข่เค็ม 50 ฟอง ขายได้ 250")."""
    by_index = {m.index: m for m in mentions}
    lines = [_Line()]
    before: list[str] = []
    index = 0
    verb: Intent | None = None
    buyer = False
    while index < len(tokens):
        token = tokens[index]
        mention = by_index.get(index)
        if mention is not None:
            lines[-1].mentions.append(mention)
            index += 1
            continue
        if token.role == "keyword":
            said = money_verb(token.text)
            buyer = buyer or said == "buyer"
            if said is not None and said != "buyer":
                verb = "sale" if buyer and said == "expense" else said
        if not is_content(token):
            index += 1
            continue
        end = index
        while end < len(tokens) and is_content(tokens[end]):
            end += 1
        run = _run_text(tokens, index, end, intent)
        previous = previous_word(tokens, index)
        index = end
        if run is None:
            continue
        if end <= start:
            before.append(run)
            continue
        if previous in lexicon.MODIFIERS or run.startswith(lexicon.VENUE_PREFIXES):
            continue
        joined = previous in lexicon.JOINERS
        current = lines[-1]
        if current.item is None:
            current.item = run
            current.joined = current.joined or joined
            current.verb = verb
        elif current.figures or joined:
            lines.append(_Line(item=run, joined=joined, verb=verb))
    return lines, before


def _run_text(tokens: list[Token], start: int, end: int, intent: Intent) -> str | None:
    """The text of a run of content tokens as an item: "ค่า" kept for account-book lines
    ("จ่ายค่าอาหารไก่" → ค่าอาหารไก่), whose it was dropped ("ค่าเทอมลูก" → ค่าเทอม)."""
    words = [t.text for t in tokens[start:end]]
    if intent in ("income", "expense") and len(words) > 1 and words[-1] in lexicon.FAMILY:
        words.pop()
    text = "".join(words)
    if len(text) <= 1 and not text.isalpha():
        return None
    if intent in ("income", "expense") and start > 0:
        previous = tokens[start - 1]
        if previous.role == "keyword" and previous.text.endswith("ค่า"):
            text = "ค่า" + text
    return text


def _income_kind(tokens: list[Token], hits: list[Hit]) -> str | None:
    """ "ได้ค่าแรง 300" → ค่าแรง, "ได้เงินเดือน อสม. 1,000" → "เงินเดือน อสม.", "ลูกส่งเงินมาให้" →
    ลูกส่งเงิน: household income named by its kind (the last kind named)."""
    kind: tuple[str, bool, bool] | None = None
    chosen: Hit | None = None
    for hit in hits:
        found = lexicon.INCOME_KINDS.get(hit.keyword.text)
        if found is not None and not hit.negated:
            kind, chosen = found, hit
    if kind is None or chosen is None:
        return None
    name, after, before = kind
    starts = mood.offsets(tokens)
    first = next((i for i, s in enumerate(starts) if s >= chosen.end), len(tokens))
    if after:
        index = first
        gap = ""
        if index < len(tokens) and tokens[index].kind == "space":
            gap, index = " ", index + 1
        words: list[str] = []
        while index < len(tokens) and (
            is_content(tokens[index]) or (words and tokens[index].text == ".")
        ):
            words.append(tokens[index].text)
            index += 1
        if words:
            return name + gap + "".join(words)
    if before:
        opening = next((i for i, s in enumerate(starts) if s >= chosen.start), 0)
        words = [t.text for t in tokens[:opening] if is_content(t)]
        if words:
            return "".join(words) + name
    return name
