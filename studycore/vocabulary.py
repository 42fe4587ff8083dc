"""Importing vocabulary files into a group: JSON (the portal's shape or a plain one) or CSV.

Every entry is checked before anything is written, and the import is one transaction:
a bad entry anywhere is reported with its position and nothing is imported. Words
already in the database (same word and reading) are reused, so importing twice adds
nothing the second time.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from .db import write_transaction
from .errors import ValidationError
from .models import Group, Word, WordGroup
from .validation import type_name

# Each entry field and the names it may have in a file: (plain, the original portal's).
FIELD_NAMES = {
    "word": ("word", "kanji"),
    "reading": ("reading", "romaji"),
    "translation": ("translation", "english"),
    "parts": ("parts",),
}
KNOWN_KEYS = frozenset(name for names in FIELD_NAMES.values() for name in names)
CHUNK_SIZE = 1000


@dataclass(frozen=True, slots=True)
class VocabularyEntry:
    """One word to import."""

    word: str
    reading: str | None = None
    translation: str | None = None
    parts: str | None = None

    @property
    def key(self) -> tuple[str, str | None]:
        """What makes two entries the same word."""
        return (self.word, self.reading)


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did."""

    group_id: int
    group_created: bool
    words_added: int
    words_reused: int
    added_to_group: int


def read_vocabulary(path: Path) -> list[VocabularyEntry]:
    """Parse a ``.json`` or ``.csv`` vocabulary file; ``ValidationError`` names the bad entry."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _read_json(path)
    if suffix == ".csv":
        return _read_csv(path)
    raise ValidationError(f"{path.name}: unsupported file type {suffix!r} (use .json or .csv)")


def entry_from_record(record: object, where: str) -> VocabularyEntry:
    """Build an entry from one JSON object or CSV row; ``where`` locates it in messages."""
    if not isinstance(record, Mapping):
        raise ValidationError(f"{where}: expected an object, not {type_name(record)}")
    unknown = sorted(set(record) - KNOWN_KEYS, key=str)
    if unknown:
        raise ValidationError(f"{where}: unknown field {unknown[0]!r}")
    values = {field: _pick(record, names, where) for field, names in FIELD_NAMES.items()}
    word = values["word"]
    if word is None or not word.strip():
        raise ValidationError(f"{where}: 'word' (or 'kanji') is required")
    return VocabularyEntry(
        word=word.strip(),
        reading=values["reading"],
        translation=values["translation"],
        parts=values["parts"],
    )


def import_vocabulary(
    sessions: sessionmaker[Session],
    *,
    group_name: str,
    entries: Sequence[VocabularyEntry],
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Add ``entries`` to the group ``group_name`` (created if needed), in one transaction."""
    if not group_name.strip():
        raise ValidationError("group name must not be empty", field="group_name")
    unique = list({entry.key: entry for entry in entries}.values())
    with write_transaction(sessions) as session:
        group_id, group_created = _group(session, group_name.strip())
        word_ids: list[int] = []
        added = 0
        for chunk in _chunks(unique, CHUNK_SIZE):
            ids, new = _word_ids(session, chunk)
            word_ids += ids
            added += new
            if on_progress:
                on_progress(len(chunk))
        joined = _join_group(session, group_id, word_ids)
    return ImportReport(group_id, group_created, added, len(unique) - added, joined)


def _read_json(path: Path) -> list[VocabularyEntry]:
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, RecursionError) as error:
        raise ValidationError(f"{path.name}: not valid JSON ({error})") from None
    if not isinstance(document, list):
        raise ValidationError(f"{path.name}: expected a JSON array of words")
    return [entry_from_record(item, f"item {index}") for index, item in enumerate(document)]


def _read_csv(path: Path) -> list[VocabularyEntry]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        rows = csv.DictReader(file)
        if not rows.fieldnames or not {"word", "kanji"} & set(rows.fieldnames):
            raise ValidationError(f"{path.name}: the header must name a 'word' or 'kanji' column")
        return [_csv_entry(row, rows.line_num) for row in rows]


def _csv_entry(row: dict[str | None, str | None], line: int) -> VocabularyEntry:
    if None in row:  # DictReader files extra cells under the key None
        raise ValidationError(f"line {line}: more cells than the header has columns")
    return entry_from_record({key: value or None for key, value in row.items()}, f"line {line}")


def _pick(record: Mapping[str, object], names: Sequence[str], where: str) -> str | None:
    value = next((record[name] for name in names if record.get(name) is not None), None)
    if value is None or isinstance(value, str):
        return value
    if names[0] == "parts":  # the portal keeps parts as structured JSON
        return json.dumps(value, ensure_ascii=False)
    raise ValidationError(f"{where}: {names[0]!r} must be a string, not {type_name(value)}")


def _group(session: Session, name: str) -> tuple[int, bool]:
    group_id = session.scalar(select(Group.id).where(Group.name == name))
    if group_id is not None:
        return group_id, False
    group = Group(name=name)
    session.add(group)
    session.flush()
    return group.id, True


def _word_ids(session: Session, entries: list[VocabularyEntry]) -> tuple[list[int], int]:
    """The ids of ``entries``' words, inserting those not yet present; and how many were new."""
    keys = [entry.key for entry in entries]
    texts = {entry.word for entry in entries}
    query = select(Word.word, Word.reading, Word.id).where(Word.word.in_(texts))
    existing = {(word, reading): word_id for word, reading, word_id in session.execute(query)}
    new = [entry for entry in entries if entry.key not in existing]
    if new:
        inserted = session.scalars(
            insert(Word).returning(Word.id, sort_by_parameter_order=True),
            [_word_row(entry) for entry in new],
        ).all()
        existing.update(zip((entry.key for entry in new), inserted, strict=True))
    return [existing[key] for key in keys], len(new)


def _join_group(session: Session, group_id: int, word_ids: list[int]) -> int:
    members = set(session.scalars(select(WordGroup.word_id).where(WordGroup.group_id == group_id)))
    joining = [word_id for word_id in word_ids if word_id not in members]
    if joining:
        session.execute(
            insert(WordGroup), [{"word_id": word_id, "group_id": group_id} for word_id in joining]
        )
    return len(joining)


def _word_row(entry: VocabularyEntry) -> dict[str, str | None]:
    return {
        "word": entry.word,
        "reading": entry.reading,
        "translation": entry.translation,
        "parts": entry.parts,
    }


def _chunks(items: list[VocabularyEntry], size: int) -> Iterator[list[VocabularyEntry]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
