"""Slotwise's rules, callable without HTTP from handlers, the CLI, jobs and tests."""
