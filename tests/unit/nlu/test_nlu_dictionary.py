"""dictionary.py: `CompactTrie` answers exactly as pythainlp's `Trie` over the same words.

The reference `Trie` of the full word list is built once for the module (~0.5 s, ~63 MiB);
examples are bounded and the hypothesis database is off, as in test_parse_properties.py.
"""

from __future__ import annotations

import functools
import json
import pickle
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pythainlp.tokenize import newmm
from pythainlp.util import Trie

from bot.nlu import tokens
from bot.nlu.dictionary import CompactTrie

CASES_FILE = Path(__file__).resolve().parents[2] / "data" / "parse_cases.jsonl"

SETTINGS = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@functools.cache
def _reference() -> Trie:
    """pythainlp's own `Trie` of the very words the parser's dictionary holds."""
    return Trie(tokens._dictionary())


@functools.cache
def _texts() -> st.SearchStrategy[str]:
    """Runs of dictionary words (so prefixes are found, several at once, across word
    boundaries) mixed with arbitrary Thai letters, spaces (some words contain one), digits and
    Latin letters (where walks must stop). Built once: sampling from 62,000 words is set up
    per strategy."""
    piece = st.one_of(
        st.sampled_from(sorted(tokens._dictionary())),
        st.text(st.characters(min_codepoint=0x0E01, max_codepoint=0x0E5B), max_size=4),
        st.sampled_from([" ", "  ", "5", "ab", "ๆ", "."]),
    )
    return st.lists(piece, max_size=8).map("".join)


@SETTINGS
@given(data=st.data())
def test_prefixes_equal_pythainlp_trie_on_random_thai(data: st.DataObject) -> None:
    text = data.draw(_texts())
    start = data.draw(st.integers(min_value=0, max_value=len(text)))
    assert tokens._dictionary().prefixes(text, start) == _reference().prefixes(text, start)


@SETTINGS
@given(data=st.data())
def test_hash_collisions_never_change_the_answer(data: st.DataObject) -> None:
    # 16 flag bytes for 62,000 words: every byte says "word" and "stem", so each walk runs
    # to the end of the text and only the exact word-set lookup decides. Still equal.
    crowded = _crowded()
    text = data.draw(_texts())
    start = data.draw(st.integers(min_value=0, max_value=len(text)))
    assert crowded.prefixes(text, start) == _reference().prefixes(text, start)


@functools.cache
def _crowded() -> CompactTrie:
    return CompactTrie(tokens._dictionary(), table_bits=4)


def test_newmm_cuts_every_table_message_as_with_pythainlp_trie() -> None:
    texts = [json.loads(line)["text"] for line in CASES_FILE.read_text("utf-8").splitlines()]
    for text in texts:
        assert newmm.segment(text, tokens._dictionary()) == newmm.segment(text, _reference())


def test_membership_length_and_iteration_match_the_words() -> None:
    compact = CompactTrie(frozenset({"ขาย", "ขายส่ง", "ไข่"}), [" ไข่เค็ม ", "ไข่", ""])
    assert sorted(compact) == ["ขาย", "ขายส่ง", "ไข่", "ไข่เค็ม"]  # stripped, empty dropped
    assert len(compact) == 4
    assert "ไข่เค็ม" in compact
    assert "ขา" not in compact
    assert compact.prefixes("ขายส่งไข่") == ["ขาย", "ขายส่ง"]
    assert compact.prefixes("ขายส่งไข่เค็มๆ", 6) == ["ไข่", "ไข่เค็ม"]
    assert compact.prefixes("ขายส่ง", 6) == []
    assert compact  # newmm falls back to its own dictionary when this is falsy


def test_a_clean_frozenset_is_shared_not_copied() -> None:
    # The point of the class: one copy of the 62,000 words (pythainlp caches its frozenset).
    words = frozenset({"ขาย", "ไข่"})
    assert CompactTrie(words)._words is words
    assert CompactTrie(frozenset({" ขาย"}))._words == {"ขาย"}


def test_pickling_rebuilds_the_table() -> None:
    compact = CompactTrie(frozenset({"ขาย", "ขายส่ง"}), ["ไข่"], table_bits=8)
    copy = pickle.loads(pickle.dumps(compact))
    assert isinstance(copy, CompactTrie)
    assert copy.prefixes("ขายส่งไข่") == ["ขาย", "ขายส่ง"]
    assert copy.prefixes("ไข่") == ["ไข่"]


def test_is_read_only() -> None:
    compact = CompactTrie(frozenset({"ขาย"}))
    with pytest.raises(TypeError):
        compact.add("ซื้อ")
    with pytest.raises(TypeError):
        compact.remove("ขาย")
