//! Issue 15 (security hardening): tests named after the items they cover.
