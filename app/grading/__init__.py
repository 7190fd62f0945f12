"""Scoring answers against rubrics."""
