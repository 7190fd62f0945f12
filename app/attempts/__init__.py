"""The attempt lifecycle both journeys share: start to submission, and what a rubric suggests."""
