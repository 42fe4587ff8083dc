"""Benchmarks of studycore beside hand-written raw-driver code (run: make bench)."""
