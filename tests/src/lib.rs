//! Small realistic services wired with eventwire, exercised by the tests in `tests/`.
