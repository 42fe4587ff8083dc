"""The services: every rule of the domain, each call one transaction.

Each takes a session factory (``Database.sessions``) and returns plain, immutable results
(``studycore.results``), or raises a ``StudyCoreError``.

- ``study_sessions``: starting a study session (the create, with its existence checks).
- ``reviews``: counting the learner's answers, one or a batch.
- ``memory``: every word's memory (FSRS, ``studycore.scheduling``), updated by each answer,
  and the answer log; what is due. ``memory_rows``: how memories are stored and written.
- ``history``: the sessions listed, one session with its words, and reset.
- ``catalog``: words, groups, study activities, the launch page's data, and every word
  of a group as the Typing Tutor plays it (``word_parts``: its parts).
- ``statistics``: the dashboard's figures.
- ``vocabulary``: importing words from JSON and CSV files.
- ``validation``, ``paging``, ``statements``: what the services share.
"""
