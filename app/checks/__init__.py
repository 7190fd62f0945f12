"""Verify: run a coding-kind prompt's files (solution, starter, mutants) in the sandbox."""
