"""The authors' pages on how content changed and how rubrics perform: history, diffs, insight."""
