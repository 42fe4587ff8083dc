"""What the tests and the benchmarks share: databases, servers, faults, test data."""
