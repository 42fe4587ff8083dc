"""A word's parts as the Typing Tutor plays them: ``[{"kanji": "払", "romaji": ["ha", "ra"]}]``.

The tutor draws a falling word as up to 8 blocks, one per part, and highlights a block
as its romaji is typed: a block is done when the typed text starts with its romaji
joined, and partly lit while it starts with the first items of the list. The whole
word is hit when the typed text equals the word's reading. So a usable list of parts
has 1 to 8 parts, each a text and a list of strings; and one made up for a word stored
without usable parts (one part: the whole word and its reading cut into syllables)
joins back to exactly the reading, so typing it lights the word up syllable by
syllable and the remainder passes to the next word's blocks unchanged.
"""

from __future__ import annotations

import json
import re
from typing import TypeAlias

MAX_PARTS = 8  # the tutor has 8 blocks a word; a 9th part would crash it

WordPart: TypeAlias = tuple[str, tuple[str, ...]]  # its text, its romaji in syllables

_CONSONANT = "bcdfghjklmnpqrstvwxyzBCDFGHJKLMNPQRSTVWXYZ"
_VOWEL = "aeiouāēīōūAEIOUĀĒĪŌŪ"
# One syllable (mora) of Hepburn romaji, tried in this order:
# ん before a consonant or at the end ("shi|n|bu|n", "o|n|na"); っ as the first of a
# doubled consonant or the t of "tch" ("ki|t|te", "ma|t|cha"); consonants then one vowel
# ("ka", "kyo", "shi", "tsu"; "kou" is "ko|u"); anything else on its own (a space, a
# lone consonant). The outer group is the syllable (findall: faster than finditer).
_SYLLABLE = re.compile(
    rf"([nN](?![{_VOWEL}yY])|([{_CONSONANT}])(?=\2)|[tT](?=[cC][hH])"
    rf"|[{_CONSONANT}]*[{_VOWEL}]|.)",
    re.DOTALL,
)


def syllables(reading: str | None) -> list[str]:
    """The reading cut into syllables that join back to exactly the reading.

    >>> syllables("hirogatta")
    ['hi', 'ro', 'ga', 't', 'ta']
    """
    if not reading:
        return []
    return [syllable for syllable, _doubled in _SYLLABLE.findall(reading)]


def tutor_parts(stored: str | None, word: str, reading: str | None) -> tuple[WordPart, ...]:
    """The word's stored parts if the tutor can play them, else one part for the whole word."""
    return _usable_parts(stored) or ((word, tuple(syllables(reading))),)


def _usable_parts(stored: str | None) -> tuple[WordPart, ...] | None:
    """The stored JSON as the tutor's list, or ``None`` if it is missing or not usable.

    A part's romaji given as one string is cut into syllables; keys other than ``kanji``
    and ``romaji`` are left out.
    """
    if not stored:
        return None
    try:
        value = json.loads(stored)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_PARTS:
        return None
    parts = []
    for part in value:
        usable = _usable_part(part)
        if usable is None:
            return None
        parts.append(usable)
    return tuple(parts)


def _usable_part(part: object) -> WordPart | None:
    if not isinstance(part, dict):
        return None
    text, romaji = part.get("kanji"), part.get("romaji")
    if not isinstance(text, str):
        return None
    if isinstance(romaji, str):
        return (text, tuple(syllables(romaji)))
    if isinstance(romaji, list) and all(isinstance(item, str) for item in romaji):
        return (text, tuple(romaji))
    return None
