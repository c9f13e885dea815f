"""Thai understanding for Sammachip Bot: ``parse(text, today) -> Parsed``.

Importing this package loads pythainlp (about 0.1 s); the first `parse` call then loads the
newmm dictionary (about 0.2 s, 12 MiB). Nothing heavy happens when only ``bot`` is imported.

See `bot.nlu.parser` for what each intent fills in and the ambiguity codes, THAI.md for the
facts and pitfalls the rules come from.
"""

from __future__ import annotations

import os

# pythainlp would otherwise try to create ~/pythainlp-data and, for some corpora, download
# files at first use. The bot runs on servers with read-only home directories and often
# without internet access; newmm's bundled dictionary is all this package needs. Must be set
# before pythainlp is imported anywhere (setdefault: an operator's explicit choice wins).
os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")
os.environ.setdefault("PYTHAINLP_OFFLINE", "1")

from bot.nlu.normalize import MAX_CHARS
from bot.nlu.parser import parse
from bot.nlu.result import ActivityKind, Intent, Mood, Parsed, SaleLine

__all__ = ["MAX_CHARS", "ActivityKind", "Intent", "Mood", "Parsed", "SaleLine", "parse"]
