"""Importing vocabulary files into a group: JSON (the portal's shape or a plain one) or CSV.

Every entry is checked before anything is written, and the import is one transaction:
a bad entry anywhere is reported with its position and nothing is imported. A word
already in the database (same word and reading) is reused, never duplicated, and gets
the file's translation and parts where the file has them and the database lacks them
or holds others: importing a corrected or fuller file brings the words up to date, and
importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from ..db import SessionFactory, write_transaction
from ..errors import ValidationError
from ..models import Group, Word, WordGroup
from .validation import payload_fields, type_name

# Each entry field and the names it may have in a file: (plain, the original portal's).
FIELD_NAMES = {
    "word": ("word", "kanji"),
    "reading": ("reading", "romaji"),
    "translation": ("translation", "english"),
    "parts": ("parts",),
}
KNOWN_KEYS = frozenset(name for names in FIELD_NAMES.values() for name in names)
CHUNK_SIZE = 1000
DEFAULT_ENCODING = "utf-8-sig"  # UTF-8, and a byte order mark (Excel writes one) is skipped

# A present word gets what the file has for it (executemany: one row per updated word).
FILL_IN = (
    update(Word)
    .where(Word.id == bindparam("word_id"))
    .values(translation=bindparam("new_translation"), parts=bindparam("new_parts"))
)


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
    """What an import did: each distinct word of the file is new, updated or unchanged."""

    group_id: int
    group_created: bool
    words_new: int
    words_updated: int  # already present; the file filled in its translation or parts
    words_unchanged: int
    added_to_group: int


@dataclass(slots=True)
class _Tally:
    new: int = 0
    updated: int = 0
    unchanged: int = 0


def read_vocabulary(path: Path, *, encoding: str = DEFAULT_ENCODING) -> list[VocabularyEntry]:
    """Parse a ``.json`` or ``.csv`` vocabulary file; ``ValidationError`` names the bad entry.

    The file is UTF-8 (with or without a byte order mark) unless ``encoding`` says
    otherwise. A file without a single word is an error too: importing it would do nothing.
    """
    suffix = path.suffix.lower()
    if suffix not in (".json", ".csv"):
        raise ValidationError(f"{path.name}: unsupported file type {suffix!r} (use .json or .csv)")
    text = _decode(path, encoding)
    entries = _parse_json(path, text) if suffix == ".json" else _parse_csv(text)
    if not entries:
        raise ValidationError(f"{path.name} holds no words")
    return entries


def entry_from_record(record: object, where: str) -> VocabularyEntry:
    """Build an entry from one JSON object or CSV row; ``where`` locates it in messages."""
    record = payload_fields(record, optional=KNOWN_KEYS, where=where)
    values = {field: _pick(record, names, where) for field, names in FIELD_NAMES.items()}
    for field, value in values.items():
        # PostgreSQL cannot store NUL in text and SQLite would: refuse it on both alike.
        if value is not None and "\x00" in value:
            raise ValidationError(f"{where}: {field!r} contains a NUL character")
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
    sessions: SessionFactory,
    *,
    group_name: str,
    entries: Sequence[VocabularyEntry],
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Add ``entries`` to the group ``group_name`` (created if needed), in one transaction."""
    if not group_name.strip():
        raise ValidationError("group name must not be empty", field="group_name")
    if "\x00" in group_name:
        raise ValidationError("group name must not contain a NUL character", field="group_name")
    with write_transaction(sessions) as orm_session:
        return import_entries(
            orm_session, group_name=group_name.strip(), entries=entries, on_progress=on_progress
        )


def import_entries(
    orm_session: Session,
    *,
    group_name: str,
    entries: Sequence[VocabularyEntry],
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """``import_vocabulary``'s work inside the caller's unit of work (the demo loads with it)."""
    unique = list({entry.key: entry for entry in entries}.values())
    group_id, group_created = _group(orm_session, group_name)
    word_ids: list[int] = []
    tally = _Tally()
    for chunk in _chunks(unique, CHUNK_SIZE):
        word_ids += _word_ids(orm_session, chunk, tally)
        if on_progress:
            on_progress(len(chunk))
    joined = _join_group(orm_session, group_id, word_ids)
    return ImportReport(group_id, group_created, tally.new, tally.updated, tally.unchanged, joined)


def _decode(path: Path, encoding: str) -> str:
    """The file's text; a file in another encoding is named as such, with what to do."""
    data = path.read_bytes()
    try:
        return data.decode(encoding)
    except LookupError:
        raise ValidationError(f"unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ValidationError(
            f"{path.name}: line {line} is not {_encoding_name(encoding)}"
            f" (byte 0x{data[error.start]:02x}); {_encoding_advice(data, encoding)}"
        ) from None


def _encoding_name(encoding: str) -> str:
    return "UTF-8" if encoding == DEFAULT_ENCODING else encoding


def _encoding_advice(data: bytes, encoding: str) -> str:
    if encoding != DEFAULT_ENCODING:
        return "check the file's encoding and pass it with --encoding"
    if _looks_like_utf16(data):
        return "it looks like UTF-16: pass --encoding utf-16, or save it as UTF-8"
    return (
        "save it as UTF-8, or pass its encoding, e.g. --encoding shift_jis"
        " (Japanese Windows) or --encoding latin-1"
    )


def _looks_like_utf16(data: bytes) -> bool:
    # UTF-16 starts with a byte order mark, or is full of zero bytes (ASCII in 16 bits).
    has_bom = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    return has_bom or data.count(0) * 4 > len(data)


def _parse_json(path: Path, text: str) -> list[VocabularyEntry]:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise ValidationError(f"{path.name}: not valid JSON ({error})") from None
    if not isinstance(document, list):
        raise ValidationError(f"{path.name}: expected a JSON array of words")
    # Counted from 1, as people count ("item 1" is the first word).
    return [entry_from_record(item, f"item {number}") for number, item in enumerate(document, 1)]


def _parse_csv(text: str) -> list[VocabularyEntry]:
    rows = csv.DictReader(io.StringIO(text, newline=""))
    try:
        _check_header(rows.fieldnames)
        return [_csv_entry(row, rows.line_num) for row in rows]
    except csv.Error as error:
        # The reader's count, not the DictReader's: that one lags behind a failed row.
        raise ValidationError(f"line {rows.reader.line_num}: {_csv_problem(error)}") from None


def _check_header(columns: Sequence[str] | None) -> None:
    if columns is None:  # an empty file: read_vocabulary says it holds no words
        return
    unknown = [column for column in columns if column not in KNOWN_KEYS]
    if unknown:
        raise ValidationError(f"line 1: unknown column {unknown[0]!r}")
    if not {"word", "kanji"} & set(columns):
        raise ValidationError("line 1: the header must name a 'word' or 'kanji' column")


def _csv_problem(error: csv.Error) -> str:
    if "field larger than field limit" in str(error):
        return f"a field is longer than {csv.field_size_limit()} characters, the csv module's limit"
    return str(error)


def _csv_entry(row: dict[str | None, str | None], line: int) -> VocabularyEntry:
    if None in row:  # DictReader files extra cells under the key None
        raise ValidationError(f"line {line}: more cells than the header has columns")
    return entry_from_record({key: value or None for key, value in row.items()}, f"line {line}")


def _pick(record: Mapping[str, object], names: Sequence[str], where: str) -> str | None:
    value = next((record[name] for name in names if record.get(name) is not None), None)
    if value is None or isinstance(value, str):
        return value
    if names[0] == "parts":  # the portal keeps parts as structured JSON; [] is no parts
        return json.dumps(value, ensure_ascii=False) if value else None
    raise ValidationError(f"{where}: {names[0]!r} must be a string, not {type_name(value)}")


def _group(orm_session: Session, name: str) -> tuple[int, bool]:
    group_id = orm_session.scalar(select(Group.id).where(Group.name == name))
    if group_id is not None:
        return group_id, False
    group = Group(name=name)
    orm_session.add(group)
    orm_session.flush()
    return group.id, True


def _word_ids(orm_session: Session, entries: list[VocabularyEntry], tally: _Tally) -> list[int]:
    """The ids of ``entries``' words: present ones brought up to date, the others inserted."""
    keys = [entry.key for entry in entries]
    texts = {entry.word for entry in entries}
    query = select(Word.word, Word.reading, Word.id, Word.translation, Word.parts).where(
        Word.word.in_(texts)
    )
    present = {(row.word, row.reading): row for row in orm_session.execute(query)}
    ids = {key: row.id for key, row in present.items()}
    new = [entry for entry in entries if entry.key not in present]
    if new:
        inserted = orm_session.scalars(
            insert(Word).returning(Word.id, sort_by_parameter_order=True),
            [_word_row(entry) for entry in new],
        ).all()
        ids.update(zip((entry.key for entry in new), inserted, strict=True))
    updates = [
        change
        for entry in entries
        if (row := present.get(entry.key))
        and (change := _filled_in(entry, row.id, row.translation, row.parts))
    ]
    if updates:
        orm_session.connection().execute(FILL_IN, updates)
    tally.new += len(new)
    tally.updated += len(updates)
    tally.unchanged += len(entries) - len(new) - len(updates)
    return [ids[key] for key in keys]


def _filled_in(
    entry: VocabularyEntry, word_id: int, translation: str | None, parts: str | None
) -> dict[str, object] | None:
    """The update a present word needs to hold the file's values, or None if it holds them.

    A value the file lacks (empty) never erases the database's.
    """
    new_translation = entry.translation or translation
    new_parts = parts if _same_json(entry.parts, parts) else entry.parts or parts
    if (new_translation, new_parts) == (translation, parts):
        return None
    return {"word_id": word_id, "new_translation": new_translation, "new_parts": new_parts}


def _same_json(first: str | None, second: str | None) -> bool:
    """Whether two stored texts hold the same JSON value (spacing and escapes aside)."""
    if first == second:
        return True
    try:
        return bool(json.loads(first or "null") == json.loads(second or "null"))
    except (ValueError, RecursionError):
        return False


def _join_group(orm_session: Session, group_id: int, word_ids: list[int]) -> int:
    members = set(
        orm_session.scalars(select(WordGroup.word_id).where(WordGroup.group_id == group_id))
    )
    joining = [word_id for word_id in word_ids if word_id not in members]
    if joining:
        orm_session.execute(
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
