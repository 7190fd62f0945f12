"""Calibration sets: sample answers with reference levels, scored by interviewers for practice."""
