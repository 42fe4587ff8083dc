"""The same work as studycore, hand-written on the raw drivers, in one transaction each.

Two forms per engine: the idiomatic one (``executemany`` of the review items) and the
fastest found (set-based: ``json_each`` on SQLite, ``unnest`` on PostgreSQL). Both do
what studycore does: check the group, the activity and every word, keep the order of
the word ids, insert the session and its items, and commit.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any, Protocol

import psycopg

Words = list[tuple[int, str]]


class RawCreator(Protocol):
    def create(self, group_id: int, activity_id: int, word_ids: list[int]) -> tuple[int, Words]: ...

    def read(self, session_id: int) -> tuple[Any, Words]: ...

    def close(self) -> None: ...


class MissingRowError(LookupError):
    """A referenced row does not exist (the raw code's NotFoundError)."""


def _ordered(found: dict[int, str], word_ids: list[int]) -> Words:
    if len(found) != len(word_ids):
        raise MissingRowError(sorted(set(word_ids) - set(found)))
    return [(word_id, found[word_id]) for word_id in word_ids]


class SqliteRaw:
    """sqlite3 with the pragmas studycore uses; ``set_based`` picks the fastest form."""

    def __init__(self, path: str, *, set_based: bool) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "busy_timeout=30000",
            "foreign_keys=ON",
        ):
            self.connection.execute(f"PRAGMA {pragma}")
        self.set_based = set_based

    def create(self, group_id: int, activity_id: int, word_ids: list[int]) -> tuple[int, Words]:
        cursor = self.connection.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        try:
            self._check_parents(cursor, group_id, activity_id)
            words = _ordered(self._words(cursor, word_ids), word_ids)
            session_id = cursor.execute(
                "INSERT INTO study_sessions (group_id, study_activity_id, created_at)"
                " VALUES (?, ?, ?) RETURNING id",
                (group_id, activity_id, datetime.now(UTC).replace(tzinfo=None).isoformat(" ")),
            ).fetchone()[0]
            self._insert_items(cursor, session_id, word_ids)
            cursor.execute("COMMIT")
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        return session_id, words

    def read(self, session_id: int) -> tuple[Any, Words]:
        cursor = self.connection.cursor()
        cursor.execute("BEGIN")
        try:
            row = cursor.execute(
                "SELECT * FROM study_sessions WHERE id = ?", (session_id,)
            ).fetchone()
            words = cursor.execute(
                "SELECT w.id, w.word, i.correct, i.wrong FROM word_review_items i"
                " JOIN words w ON w.id = i.word_id WHERE i.study_session_id = ? ORDER BY i.id",
                (session_id,),
            ).fetchall()
        finally:
            cursor.execute("COMMIT")
        return row, words

    def close(self) -> None:
        self.connection.close()

    @staticmethod
    def _check_parents(cursor: sqlite3.Cursor, group_id: int, activity_id: int) -> None:
        found = cursor.execute(
            "SELECT (SELECT id FROM groups WHERE id = ?),"
            " (SELECT id FROM study_activities WHERE id = ?)",
            (group_id, activity_id),
        ).fetchone()
        if None in found:
            raise MissingRowError(found)

    def _words(self, cursor: sqlite3.Cursor, word_ids: list[int]) -> dict[int, str]:
        if self.set_based:
            query = "SELECT w.id, w.word FROM json_each(?) AS j JOIN words w ON w.id = j.value"
            return dict(cursor.execute(query, (json.dumps(word_ids),)).fetchall())
        marks = ",".join("?" * len(word_ids))
        return dict(cursor.execute(f"SELECT id, word FROM words WHERE id IN ({marks})", word_ids))

    def _insert_items(self, cursor: sqlite3.Cursor, session_id: int, word_ids: list[int]) -> None:
        if self.set_based:
            cursor.execute(
                "INSERT INTO word_review_items (study_session_id, word_id)"
                " SELECT ?, value FROM json_each(?) ORDER BY key",
                (session_id, json.dumps(word_ids)),
            )
        else:
            cursor.executemany(
                "INSERT INTO word_review_items (study_session_id, word_id) VALUES (?, ?)",
                [(session_id, word_id) for word_id in word_ids],
            )


class PostgresRaw:
    """psycopg 3; ``set_based`` picks the fastest form."""

    def __init__(self, url: str, *, set_based: bool) -> None:
        self.connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
        self.set_based = set_based

    def create(self, group_id: int, activity_id: int, word_ids: list[int]) -> tuple[int, Words]:
        with self.connection.transaction(), self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT id FROM groups WHERE id = %s),"
                " (SELECT id FROM study_activities WHERE id = %s)",
                (group_id, activity_id),
            )
            if None in (cursor.fetchone() or (None,)):
                raise MissingRowError(group_id, activity_id)
            cursor.execute("SELECT id, word FROM words WHERE id = ANY(%s)", (word_ids,))
            words = _ordered(dict(cursor.fetchall()), word_ids)
            cursor.execute(
                "INSERT INTO study_sessions (group_id, study_activity_id, created_at)"
                " VALUES (%s, %s, %s) RETURNING id",
                (group_id, activity_id, datetime.now(UTC)),
            )
            session_id = (cursor.fetchone() or (0,))[0]
            self._insert_items(cursor, session_id, word_ids)
        return session_id, words

    def read(self, session_id: int) -> tuple[Any, Words]:
        with self.connection.transaction(), self.connection.cursor() as cursor:
            cursor.execute("SELECT * FROM study_sessions WHERE id = %s", (session_id,))
            row = cursor.fetchone()
            cursor.execute(
                "SELECT w.id, w.word, i.correct, i.wrong FROM word_review_items i"
                " JOIN words w ON w.id = i.word_id WHERE i.study_session_id = %s ORDER BY i.id",
                (session_id,),
            )
            return row, cursor.fetchall()

    def close(self) -> None:
        self.connection.close()

    def _insert_items(
        self, cursor: psycopg.Cursor[Any], session_id: int, word_ids: list[int]
    ) -> None:
        if self.set_based:
            cursor.execute(
                "INSERT INTO word_review_items (study_session_id, word_id)"
                " SELECT %s, w FROM unnest(%s::bigint[]) WITH ORDINALITY AS t(w, n) ORDER BY n",
                (session_id, word_ids),
            )
        else:
            cursor.executemany(
                "INSERT INTO word_review_items (study_session_id, word_id) VALUES (%s, %s)",
                [(session_id, word_id) for word_id in word_ids],
            )
