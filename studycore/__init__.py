"""studycore: the study-session core of a language-learning portal.

from studycore import open_database, create_study_session

db = open_database("sqlite:///studycore.sqlite3")
details = create_study_session(db.sessions, group_id=1, study_activity_id=1)
"""

from .db import (
    Database,
    database_is_reachable,
    open_database,
    sync_id_sequences,
    write_transaction,
)
from .errors import DatabaseUnavailableError, NotFoundError, StudyCoreError, ValidationError
from .results import SessionWord, StudySessionDetails
from .reviews import record_review, record_review_from_json
from .services import create_study_session, create_study_session_from_json, get_study_session

__all__ = [
    "Database",
    "DatabaseUnavailableError",
    "NotFoundError",
    "SessionWord",
    "StudyCoreError",
    "StudySessionDetails",
    "ValidationError",
    "create_study_session",
    "create_study_session_from_json",
    "database_is_reachable",
    "get_study_session",
    "open_database",
    "record_review",
    "record_review_from_json",
    "sync_id_sequences",
    "write_transaction",
]
