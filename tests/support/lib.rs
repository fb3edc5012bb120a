//! Support for the workspace integration tests.
