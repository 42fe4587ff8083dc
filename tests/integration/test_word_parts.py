"""A reading cut into syllables for the Typing Tutor: it joins back to exactly the reading."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studycore.services.word_parts import syllables, tutor_parts


@pytest.mark.parametrize(
    ("reading", "expected"),
    [
        ("taberu", ["ta", "be", "ru"]),
        ("hirogatta", ["hi", "ro", "ga", "t", "ta"]),  # っ as the portal's seed writes it
        ("undousuru", ["u", "n", "do", "u", "su", "ru"]),
        ("shinbun", ["shi", "n", "bu", "n"]),
        ("onna", ["o", "n", "na"]),
        ("konnyaku", ["ko", "n", "nya", "ku"]),
        ("matcha", ["ma", "t", "cha"]),
        ("tsukau", ["tsu", "ka", "u"]),
        ("ookii", ["o", "o", "ki", "i"]),
        ("o cha", ["o", " ", "cha"]),
        ("tōkyō", ["tō", "kyō"]),
        ("", []),
    ],
)
def test_a_reading_is_cut_into_the_syllables_a_learner_types(
    reading: str, expected: list[str]
) -> None:
    assert syllables(reading) == expected


@given(st.text())
def test_the_syllables_of_any_reading_join_back_to_it(reading: str) -> None:
    assert "".join(syllables(reading)) == reading


def test_usable_stored_parts_are_kept_and_others_make_one_part_of_the_whole_word() -> None:
    stored = '[{"kanji": "払", "romaji": ["ha", "ra"]}, {"kanji": "う", "romaji": ["u"]}]'

    assert tutor_parts(stored, "払う", "harau") == (("払", ("ha", "ra")), ("う", ("u",)))
    assert tutor_parts(None, "払う", "harau") == (("払う", ("ha", "ra", "u")),)
    assert tutor_parts('[{"kanji": 1, "romaji": []}]', "払う", None) == (("払う", ()),)
