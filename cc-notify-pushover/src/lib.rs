//! Pushover sender (in progress).
