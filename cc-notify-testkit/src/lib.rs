//! Test fakes (in progress).
