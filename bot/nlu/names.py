"""Names of people: whose report it is (`find_person`: after a title, after "แทน", or opening a
work report) and who was present at a training (`find_names`). Titles are dropped.

Its own module because names are read from words nothing else took, after the figures and
keywords have claimed theirs; the handler matches them against the group's members."""

from __future__ import annotations

from typing import Final

from bot.nlu import lexicon, mood, units
from bot.nlu.draft import MONEY_INTENTS
from bot.nlu.keywords import Hit
from bot.nlu.result import Intent
from bot.nlu.slots import ITEM_STOPWORDS, previous_word
from bot.nlu.tokens import Token

# Words a name follows ("ป้าประไพ", "ขายแทนสมศรี"): without one, only work looks for a name.
NAMES_FOLLOW: Final = lexicon.HONORIFICS | {"แทน"}


def name_after(tokens: list[Token], index: int) -> tuple[str, int] | None:
    """The name that starts at ``index`` ("บุญ"+"มี" up to "มา"), with the index after it."""
    name: list[str] = []
    position = index
    while position < len(tokens) and len(name) < 3:
        following = tokens[position]
        if following.kind != "word" or following.role not in (None, "person"):
            break
        if following.text in lexicon.NAME_STOPWORDS or following.text in lexicon.HONORIFICS:
            break
        name.append(following.text)
        position += 1
    text = "".join(name)
    if len(text) < 2 or text in lexicon.PRONOUNS or text in ITEM_STOPWORDS:
        return None
    return text, position


def find_person(tokens: list[Token], hits: list[Hit], intent: Intent) -> str | None:
    """Whose report it is, when it names someone: "ป้าประไพช่วยงาน", "ขายแทนสมศรี",
    "สมศรีทำงาน 3 ชม.". The handler matches it against the group's members."""
    for index, token in enumerate(tokens):
        if token.kind != "word" or token.role not in (None, "label"):
            continue
        if token.text not in lexicon.HONORIFICS and token.text != "แทน":
            continue
        before = previous_word(tokens, index)
        if intent in MONEY_INTENTS and before in ("ให้", "แก่", "จาก", "ร้าน"):
            continue  # "ขายให้ป้าแดง": the buyer, not whose sale
        found = name_after(tokens, index + 1)
        if found is None:
            continue
        name, end = found
        for piece in tokens[index:end]:
            piece.role = "person"
        return name
    if intent == "work":
        return _name_before_work(tokens, hits)
    return None


def _name_before_work(tokens: list[Token], hits: list[Hit]) -> str | None:
    """ "สมศรีทำงาน 3 ชั่วโมง", "ประไพ ทำงาน ๔ ชม.": a name opening the message before the
    work verb."""
    work = next((h for h in hits if any(i == "work" for i, _ in h.keyword.scores)), None)
    if work is None:
        return None
    starts = mood.offsets(tokens)
    words = [i for i, t in enumerate(tokens) if t.kind != "space" and starts[i] < work.start]
    if not words or any(not _name_like(tokens[i]) for i in words):
        return None
    name = "".join(tokens[i].text for i in words)
    if (
        name in lexicon.PRONOUNS
        or name in lexicon.HONORIFICS
        or name in lexicon.FAMILY
        or len(name) < 2
    ):
        return None
    for i in words:
        tokens[i].role = "person"
    return name


def _name_like(token: Token) -> bool:
    """A piece of a name: a word nothing else took ("บุญ"+"มี": มี is a name syllable here),
    not a function word, a pronoun or a word about the bot ("แก้ไข ชั่วโมง 4")."""
    return (
        token.kind == "word"
        and token.role is None
        and token.text not in lexicon.NAME_STOPWORDS
        and token.text not in lexicon.PRONOUNS
        and token.text not in lexicon.BOT_WORDS
        and units.unit_price_token(token.text) is None
    )


# Chunks (space-separated) that are not names of people.
_NOT_A_NAME_START: Final = frozenset(
    {*lexicon.MODIFIERS, "เรื่อง", "กับ", "และ", "มา", "ครัวเรือน", "บ้าน", "กลุ่ม", "สมาชิก"}
)
_NAMES_AFTER: Final = frozenset({"มี", "ได้แก่", "คือ"})
_HOUSEHOLDS: Final = "ครัวเรือน"


def find_names(tokens: list[Token]) -> tuple[str, ...]:
    """People named as present at a training: "คำปุ่น มาเรียน", "มี สมใจ บุญเรือน คำปุ่น",
    "ให้ครัวเรือน นางสมศรี นายบุญมี", "ป้าแดง กับ ยายทอง มาเรียน". Titles are dropped."""
    chunks: list[list[Token]] = [[]]
    for token in tokens:
        if token.kind == "space":
            if chunks[-1]:
                chunks.append([])
        else:
            chunks[-1].append(token)
    chunks = [c for c in chunks if c]
    names: list[tuple[int, str]] = []  # (chunk position, name): kept in text order
    listing = False  # after "มี", "ครัวเรือน": the chunks that follow are names
    for position, chunk in enumerate(chunks):
        text = "".join(t.text for t in chunk)
        first = chunk[0].text
        titled = _titled_name(chunk)
        if titled is not None:
            names.append((position, titled))
            listing = True
            continue
        if text in _NAMES_AFTER or text.endswith(_HOUSEHOLDS):
            listing = True
            continue
        if first.startswith("มา"):
            # "คำปุ่น มาเรียน": the name-like chunks right before "มา…"
            for back in range(position - 1, -1, -1):
                name = _chunk_name(chunks[back])
                if name is None:
                    if "".join(t.text for t in chunks[back]) in lexicon.JOINERS:
                        continue
                    break
                names.append((back, name))
            listing = False
            continue
        if listing:
            name = _chunk_name(chunk)
            if name is None:
                if text in lexicon.JOINERS:
                    continue
                listing = False
                continue
            names.append((position, name))
    return tuple(dict.fromkeys(name for _, name in sorted(names)))


# Titles newmm may leave glued to a short name in one token ("นางดำ").
_GLUED_TITLES: Final = ("นางสาว", "นาง", "นาย", "ป้า", "ลุง", "ยาย", "น้า")


def _titled_name(chunk: list[Token]) -> str | None:
    """ "นางสมศรี", "ป้าแดง" (a title, then a name, and nothing else): the name."""
    first = chunk[0]
    if first.kind != "word":
        return None
    if first.text in lexicon.HONORIFICS and len(chunk) > 1:
        found = name_after(chunk, 1)
        return found[0] if found is not None and found[1] == len(chunk) else None
    if len(chunk) == 1 and first.role is None:
        for title in _GLUED_TITLES:
            rest = first.text.removeprefix(title)
            if rest != first.text and len(rest) >= 2 and rest not in ITEM_STOPWORDS:
                return rest
    return None


def _chunk_name(chunk: list[Token]) -> str | None:
    if any(t.kind != "word" or t.role not in (None, "person") for t in chunk):
        return None
    titled = _titled_name(chunk)
    if titled is not None:
        return titled
    if chunk[0].text in _NOT_A_NAME_START or chunk[0].text in ITEM_STOPWORDS:
        return None
    text = "".join(t.text for t in chunk)
    if chunk[0].text in lexicon.HONORIFICS or not 2 <= len(text) <= 15 or _HOUSEHOLDS in text:
        return None
    return text
