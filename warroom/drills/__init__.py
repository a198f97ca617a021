"""Drills: rehearsal scenarios of a go-live, read and checked (docs/drills.md)."""
