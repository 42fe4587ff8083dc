"""studycore: the study-session core of a language-learning portal.

from studycore import open_database, create_study_session

db = open_database("sqlite:///studycore.sqlite3")
details = create_study_session(db.sessions, group_id=1, study_activity_id=1)
"""

from .catalog import (
    get_group,
    get_group_words_raw,
    get_launch_data,
    get_study_activity,
    get_word,
    list_group_words,
    list_groups,
    list_study_activities,
    list_words,
)
from .db import (
    Database,
    database_is_reachable,
    open_database,
    sync_id_sequences,
    write_transaction,
)
from .errors import DatabaseUnavailableError, NotFoundError, StudyCoreError, ValidationError
from .history import (
    get_study_session,
    get_study_session_page,
    list_activity_sessions,
    list_group_sessions,
    list_study_sessions,
    reset_history,
)
from .paging import Listing, PageRequest
from .results import Page, SessionWord, StudySessionDetails
from .reviews import (
    Answer,
    record_answers_from_json,
    record_review,
    record_review_from_json,
    record_reviews,
    record_reviews_from_json,
)
from .services import create_study_session, create_study_session_from_json
from .statistics import dashboard_stats, recent_session

__all__ = [
    "Answer",
    "Database",
    "DatabaseUnavailableError",
    "Listing",
    "NotFoundError",
    "Page",
    "PageRequest",
    "SessionWord",
    "StudyCoreError",
    "StudySessionDetails",
    "ValidationError",
    "create_study_session",
    "create_study_session_from_json",
    "dashboard_stats",
    "database_is_reachable",
    "get_group",
    "get_group_words_raw",
    "get_launch_data",
    "get_study_activity",
    "get_study_session",
    "get_study_session_page",
    "get_word",
    "list_activity_sessions",
    "list_group_sessions",
    "list_group_words",
    "list_groups",
    "list_study_activities",
    "list_study_sessions",
    "list_words",
    "open_database",
    "recent_session",
    "record_answers_from_json",
    "record_review",
    "record_review_from_json",
    "record_reviews",
    "record_reviews_from_json",
    "reset_history",
    "sync_id_sequences",
    "write_transaction",
]
