"""studycore import: vocabulary files into a group, all or nothing, idempotent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from studycore import ValidationError, create_study_session
from studycore.cli import main
from studycore.demo import demo_groups
from studycore.models import Group, Word
from studycore.services.vocabulary import VocabularyEntry, import_vocabulary
from tests.support.vocabulary import row_counts

PORTAL_WORDS = [
    {
        "kanji": "払う",
        "romaji": "harau",
        "english": "to pay",
        "parts": [{"kanji": "払", "romaji": ["ha"]}],
    },
    {"kanji": "行く", "romaji": "iku", "english": "to go", "parts": []},
]


def run_import(database_url: str, path: Path, group: str = "Verbs") -> Result:
    return CliRunner().invoke(
        main, ["--database-url", database_url, "import", str(path), "--group", group]
    )


def write(tmp_path: Path, name: str, content: object) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def test_the_portal_json_shape_imports_into_a_new_group(
    database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    result = run_import(database_url, write(tmp_path, "verbs.json", PORTAL_WORDS))

    assert result.exit_code == 0, result.output
    assert "new group 'Verbs'" in result.output
    assert "words 2 new, 0 updated, 0 unchanged; 2 joined the group" in result.output
    with sessions() as session:
        group_id = session.scalar(select(Group.id).where(Group.name == "Verbs"))
        word = session.scalars(select(Word).where(Word.word == "払う")).one()
    assert (word.reading, word.translation) == ("harau", "to pay")
    assert json.loads(word.parts or "") == [{"kanji": "払", "romaji": ["ha"]}]
    assert group_id is not None
    details = create_study_session(sessions, group_id=group_id, study_activity_id=1)
    assert [w.word for w in details.words] == ["払う", "行く"]


def test_plain_json_and_csv_import_too(
    database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    plain = write(tmp_path, "plain.json", [{"word": "犬", "translation": "dog"}])
    table = write(tmp_path, "table.csv", "word,reading,translation\n猫,neko,cat\n鳥,tori,bird\n")

    assert run_import(database_url, plain, "Animals").exit_code == 0
    result = run_import(database_url, table, "Animals")

    assert result.exit_code == 0, result.output
    assert "group 'Animals'" in result.output
    assert "words 2 new, 0 updated, 0 unchanged" in result.output
    assert row_counts(sessions)["word_groups"] == 5 + 3  # the seeded group holds 5


def test_importing_twice_adds_nothing(
    database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = write(tmp_path, "verbs.json", PORTAL_WORDS)
    run_import(database_url, path)
    before = row_counts(sessions)

    again = run_import(database_url, path)

    assert again.exit_code == 0
    assert "words 0 new, 0 updated, 2 unchanged; 0 joined the group" in again.output
    assert row_counts(sessions) == before


@pytest.mark.parametrize(
    ("name", "content", "position"),
    [
        (
            "bad.json",
            [*PORTAL_WORDS, {"romaji": "nashi"}],
            "item 3: 'word' (or 'kanji') is required",
        ),
        ("bad.json", [*PORTAL_WORDS, "just text"], "item 3 must be an object, not string"),
        ("bad.json", [{"word": "a", "tranlsation": "typo"}], "Unknown field: item 1.tranlsation"),
        ("bad.json", [{"word": 7}], "item 1: 'word' must be a string"),
        ("bad.json", [{"word": "a\u0000b"}], "item 1: 'word' contains a NUL character"),
        ("bad.json", "{not json", "not valid JSON"),
        ("bad.json", {"word": "a"}, "expected a JSON array"),
        ("bad.json", [], "bad.json holds no words"),
        ("bad.csv", "word,translation\na,b\nc,d,e\n", "line 3: more cells"),
        ("bad.csv", "word,translation\na,b\n,d\n", "line 3: 'word' (or 'kanji') is required"),
        ("bad.csv", "term,translation\na,b\n", "line 1: unknown column 'term'"),
        ("bad.csv", "word,meaning\na,b\n", "line 1: unknown column 'meaning'"),
        ("bad.csv", "reading,translation\na,b\n", "line 1: the header must name a 'word'"),
        ("bad.csv", "word,translation\n", "bad.csv holds no words"),
        ("bad.csv", "", "bad.csv holds no words"),
        ("bad.csv", "word\na\u0000b\n", "line 2: 'word' contains a NUL character"),
        ("bad.csv", f"word\n{'x' * 200_000}\n", "line 2: a field is longer than 131072"),
        ("bad.txt", "a", "unsupported file type"),
    ],
)
def test_a_bad_entry_anywhere_imports_nothing(
    database_url: str,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    name: str,
    content: object,
    position: str,
) -> None:
    before = row_counts(sessions)

    result = run_import(database_url, write(tmp_path, name, content))

    assert result.exit_code == 1
    assert position in result.output
    assert "nothing was imported" in result.output
    assert row_counts(sessions) == before


def test_a_large_import_reports_progress_and_is_one_transaction(
    sessions: sessionmaker[Session],
) -> None:
    entries = [VocabularyEntry(word=f"word {i}", translation=str(i)) for i in range(2500)]
    progress: list[int] = []

    report = import_vocabulary(
        sessions, group_name="Big", entries=entries, on_progress=progress.append
    )

    assert progress == [1000, 1000, 500]
    assert (report.words_new, report.words_unchanged, report.added_to_group) == (2500, 0, 2500)


@pytest.mark.parametrize(
    ("encoding", "advice"),
    [
        ("latin-1", "--encoding shift_jis (Japanese Windows) or --encoding latin-1"),
        ("shift_jis", "--encoding shift_jis (Japanese Windows) or --encoding latin-1"),
        ("utf-16", "it looks like UTF-16: pass --encoding utf-16"),
    ],
)
def test_a_file_that_is_not_utf8_is_named_with_the_option_that_reads_it(
    database_url: str, sessions: sessionmaker[Session], tmp_path: Path, encoding: str, advice: str
) -> None:
    path = tmp_path / "words.csv"
    text = "word,translation\ncafé,coffee\n" if encoding == "latin-1" else "word\n猫\n"
    path.write_bytes(text.encode(encoding))
    before = row_counts(sessions)

    refused = run_import(database_url, path)
    imported = CliRunner().invoke(
        main,
        [
            "--database-url",
            database_url,
            "import",
            str(path),
            "--group",
            "G",
            "--encoding",
            encoding,
        ],
    )

    assert refused.exit_code == 1
    assert refused.output.startswith("Error: words.csv: line ")
    assert "is not UTF-8" in refused.output
    assert advice in refused.output
    assert "Traceback" not in refused.output
    assert imported.exit_code == 0, imported.output
    assert row_counts(sessions)["words"] == before["words"] + 1


def test_an_unknown_encoding_is_named(database_url: str, tmp_path: Path) -> None:
    path = write(tmp_path, "words.csv", "word\na\n")

    result = CliRunner().invoke(
        main,
        ["--database-url", database_url, "import", str(path), "--group", "G", "--encoding", "nope"],
    )

    assert result.exit_code == 1
    assert "unknown encoding 'nope'" in result.output


def test_a_group_name_with_a_nul_character_is_refused(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(ValidationError, match="NUL"):
        import_vocabulary(sessions, group_name="a\x00b", entries=[VocabularyEntry(word="a")])

    assert row_counts(sessions)["groups"] == 2


# --- a word already present gets what the file has ------------------------------------


def stored_word(sessions: sessionmaker[Session], text: str) -> tuple[str | None, object]:
    """The word's translation and parts (decoded), as stored."""
    with sessions() as session:
        word = session.scalars(select(Word).where(Word.word == text)).one()
    return word.translation, json.loads(word.parts) if word.parts else None


def test_a_present_word_gets_the_translation_and_parts_it_lacked_or_had_older(
    database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    mi = [{"kanji": "見", "romaji": ["mi"]}]
    ha_ra = [{"kanji": "払", "romaji": ["ha", "ra"]}]
    older = [
        {"kanji": "払う", "romaji": "harau"},  # no translation, no parts
        {"kanji": "行く", "romaji": "iku", "english": "to walk"},  # an older translation
        {"kanji": "見る", "romaji": "miru", "english": "to see", "parts": mi},
    ]
    newer = [
        {"kanji": "払う", "romaji": "harau", "english": "to pay", "parts": ha_ra},
        {"kanji": "行く", "romaji": "iku", "english": "to go"},
        {"kanji": "見る", "romaji": "miru"},  # lacks what the database has: nothing erased
        {"kanji": "書く", "romaji": "kaku", "english": "to write"},
    ]
    assert run_import(database_url, write(tmp_path, "old.json", older)).exit_code == 0
    before = row_counts(sessions)

    result = run_import(database_url, write(tmp_path, "new.json", newer))

    assert result.exit_code == 0, result.output
    assert "words 1 new, 2 updated, 1 unchanged; 1 joined the group" in result.output
    assert stored_word(sessions, "払う") == ("to pay", ha_ra)
    assert stored_word(sessions, "行く") == ("to go", None)
    assert stored_word(sessions, "見る") == ("to see", mi)
    after = row_counts(sessions)
    assert (after["words"], after["word_groups"]) == (
        before["words"] + 1,
        before["word_groups"] + 1,
    )


def test_the_same_parts_written_differently_are_unchanged(
    sessions: sessionmaker[Session],
) -> None:
    first = VocabularyEntry("払う", "harau", "to pay", '[{"kanji": "払", "romaji": ["ha", "ra"]}]')
    spaced = VocabularyEntry(
        "払う", "harau", "to pay", '[{"kanji":"\\u6255","romaji":["ha","ra"]}]'
    )
    import_vocabulary(sessions, group_name="Verbs", entries=[first])

    report = import_vocabulary(sessions, group_name="Verbs", entries=[spaced])

    assert (report.words_new, report.words_updated, report.words_unchanged) == (0, 0, 1)


def test_the_portals_full_seed_files_import_and_a_second_import_changes_nothing(
    database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    for name, entries in demo_groups().items():  # the demo holds the seed files as they are
        # The shape of lang-portal/backend-flask/seed/data_*.json.
        seed = [
            {"kanji": e.word, "romaji": e.reading, "english": e.translation,
             "parts": json.loads(e.parts or "[]")}
            for e in entries
        ]  # fmt: skip
        path = write(tmp_path, f"{name}.json", seed)
        distinct = len({entry.key for entry in entries})  # 暑い is listed twice

        first, again = run_import(database_url, path, name), run_import(database_url, path, name)

        assert f"words {distinct} new, 0 updated, 0 unchanged; {distinct} joined" in first.output
        assert f"words 0 new, 0 updated, {distinct} unchanged; 0 joined" in again.output
