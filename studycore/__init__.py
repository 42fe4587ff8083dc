"""studycore: the study-session core of a language-learning portal.

from studycore import open_database, create_study_session

db = open_database("sqlite:///studycore.sqlite3")
details = create_study_session(db.sessions, group_id=1, study_activity_id=1)
"""

from .db import (
    Database,
    SessionFactory,
    open_database,
    sync_id_sequences,
    write_transaction,
)
from .errors import (
    ConcurrentChangeError,
    DatabaseUnavailableError,
    MigrationError,
    NotFoundError,
    NotMigratedError,
    StudyCoreError,
    ValidationError,
)
from .results import (
    DueWords,
    MemorizedWord,
    Page,
    SessionWord,
    StudySessionDetails,
    StudySessionPage,
)
from .scheduling import Memory, MemoryState
from .services.catalog import (
    due_words,
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
from .services.history import (
    get_study_session,
    list_activity_sessions,
    list_group_sessions,
    list_study_sessions,
    reset_history,
)
from .services.paging import Listing, PageRequest
from .services.reviews import (
    Answer,
    record_answers_from_json,
    record_review,
    record_review_from_json,
    record_reviews,
    record_reviews_from_json,
)
from .services.statistics import dashboard_stats, recent_session
from .services.study_sessions import create_study_session, create_study_session_from_json

__all__ = [
    "Answer",
    "ConcurrentChangeError",
    "Database",
    "DatabaseUnavailableError",
    "DueWords",
    "Listing",
    "MemorizedWord",
    "Memory",
    "MemoryState",
    "MigrationError",
    "NotFoundError",
    "NotMigratedError",
    "Page",
    "PageRequest",
    "SessionFactory",
    "SessionWord",
    "StudyCoreError",
    "StudySessionDetails",
    "StudySessionPage",
    "ValidationError",
    "create_study_session",
    "create_study_session_from_json",
    "dashboard_stats",
    "due_words",
    "get_group",
    "get_group_words_raw",
    "get_launch_data",
    "get_study_activity",
    "get_study_session",
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
