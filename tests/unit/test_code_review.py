"""The code-review kind's domain: reading change.diff and findings.md, checking a review,
and matching a review against the planted findings (with mutants that must score low)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction

import pytest

from app.grading.scoring import auto_level
from app.kinds import AnswerFormat, AnswerRefused, Editor, get_kind
from app.kinds.code_review import (
    DIFF,
    FINDINGS,
    MARGIN,
    MAX_BODY_CHARS,
    MAX_COMMENTS,
    MAX_REVIEW_BYTES,
    Finding,
    Review,
    ReviewRefused,
    Severity,
    Verdict,
    check_files,
    check_review,
    findings_of,
    match,
    parse_findings,
)
from app.kinds.unified_diff import parse_diff
from app.vocabulary import AutoScorer

# Four files: a changed module with two hunks (the first at line 1), a second changed module,
# a new file without a newline at its end, and a renamed document. Its blank context lines
# have lost their leading space, as many editors leave them.
CHANGE = """\
Make the cache expire items

The store reads items in bulk now.

diff --git a/app/cache.py b/app/cache.py
index 1111111..2222222 100644
--- a/app/cache.py
+++ b/app/cache.py
@@ -1,3 +1,4 @@
 import threading
+import time

 from app.store import Store
@@ -20,13 +21,16 @@ class Cache:
 class Cache:
     def __init__(self, store):
         self._store = store
         self._lock = threading.Lock()
         self._items = {}

     def get(self, key):
-        with self._lock:
-            item = self._items.get(key)
+        item = self._items.get(key)
+        if item is None or item.expired(time.monotonic()):
+            item = self._store.load(key)
+            self._items[key] = item
+        return item.value

     def clear(self):
         with self._lock:
             self._items.clear()
diff --git a/app/store.py b/app/store.py
--- a/app/store.py
+++ b/app/store.py
@@ -7,12 +7,13 @@
 class Store:
     def __init__(self, db):
         self.db = db

     def load_many(self, keys):
         rows = []
         for key in keys:
-            rows.append(self.db.get(key))
+            row = self.db.query("SELECT * FROM items WHERE key = ?", key)
+            rows.append(row)
         return rows

     def load(self, key):
         return self.db.query("SELECT * FROM items WHERE key = ?", key)
diff --git a/db/schema.sql b/db/schema.sql
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ b/db/schema.sql
@@ -0,0 +1,12 @@
+CREATE TABLE items (
+    id INTEGER PRIMARY KEY,
+    key TEXT NOT NULL,
+    value TEXT NOT NULL,
+    expires_at TIMESTAMP
+);
+
+-- every cache miss looks an item up by key
+CREATE TABLE item_events (
+    item_id INTEGER NOT NULL,
+    at TIMESTAMP NOT NULL
+);
\\ No newline at end of file
diff --git a/README.md b/docs/cache.md
similarity index 80%
rename from README.md
rename to docs/cache.md
--- a/README.md
+++ b/docs/cache.md
@@ -1,4 +1,5 @@
 # Cache

-Caches items.
+Caches items from the store
+for a short time.

"""

FINDINGS_MD = """\
Planted findings of the expiring cache (reviewers only).

## Cache read outside the lock
file: app/cache.py
lines: 28-31
severity: blocker

The lookup, the load and the store into `_items` are no longer under `_lock`:
two callers can load the same key twice and one can read a half-built dict.

```python
## not a heading inside a fence
```

## N+1 query in load_many
file: app/store.py
lines: 13-15
severity: major

One query per key; a good comment asks for one `WHERE key IN (...)` query.

## No index on items.key
file: db/schema.sql
lines: 6-8
severity: minor

Every miss looks items up by `key`, which has no index.
"""

CACHE, STORE, SCHEMA, DOC = "app/cache.py", "app/store.py", "db/schema.sql", "docs/cache.md"
TITLES = ("Cache read outside the lock", "N+1 query in load_many", "No index on items.key")


@pytest.fixture(scope="module")
def diff():
    parsed = parse_diff(CHANGE)
    assert parsed.problems == []
    return parsed


@pytest.fixture(scope="module")
def findings(diff):
    found, problems = parse_findings(FINDINGS_MD, diff)
    assert problems == []
    return found


def review(verdict="request-changes", *comments):
    """A review as the workspace sends it: comments are (file, line) or (file, line, body)."""
    return json.dumps({"verdict": verdict, "comments": [
        {"file": c[0], "line": c[1], "body": c[2] if len(c) > 2 else "This looks wrong."}
        for c in comments]})


def scored(diff, findings, verdict, *comments):
    """The match of a review that passed the check, and its level on a 1-4 scale."""
    result = match(check_review(review(verdict, *comments), diff), findings)
    return result, auto_level(result.share, 1, 4)


# --- the diff --------------------------------------------------------------------------

def test_the_diff_reads_into_files_with_new_line_numbers(diff):
    assert list(diff.files) == [CACHE, STORE, SCHEMA, DOC]
    cache = diff.files[CACHE]
    assert [(h.new_start, h.new_end, h.at) for h in cache.hunks] == [(1, 4, 9), (21, 36, 14)]
    assert cache.new_lines[2].text == "import time" and cache.new_lines[2].kind == "+"
    assert cache.new_lines[28].text == "        item = self._items.get(key)"
    assert cache.new_lines[26].kind == " " and cache.new_lines[26].text == ""
    removed = [line for line in cache.lines if line.kind == "-"]
    assert [(r.old, r.new, r.at) for r in removed] == [(27, None, 22), (28, None, 23)]
    assert sorted(cache.new_lines) == [1, 2, 3, 4, *range(21, 37)]


def test_new_renamed_and_unterminated_files(diff):
    schema = diff.files[SCHEMA]
    assert schema.added and schema.old_path is None and not schema.renamed
    assert sorted(schema.new_lines) == list(range(1, 13))
    assert schema.new_lines[12].text == ");"  # the "\ No newline" marker is not a line
    doc = diff.files[DOC]
    assert doc.renamed and doc.old_path == "README.md"
    assert [(line.kind, line.new) for line in doc.lines] == [
        (" ", 1), (" ", 2), ("-", None), ("+", 3), ("+", 4), (" ", 5)]


def test_a_rename_without_hunks_and_a_deleted_file():
    parsed = parse_diff(
        "diff --git a/app/old util.py b/app/util.py\n"
        "similarity index 100%\n"
        "rename from app/old util.py\n"
        "rename to app/util.py\n"
        "diff --git a/app/gone.py b/app/gone.py\n"
        "deleted file mode 100644\n"
        "index 4444444..0000000\n"
        "--- a/app/gone.py\n"
        "+++ /dev/null\n"
        "@@ -1,2 +0,0 @@\n"
        "-x = 1\n"
        "-y = 2\n")
    assert parsed.problems == []
    moved, gone = parsed.files["app/util.py"], parsed.files["app/gone.py"]
    assert moved.renamed and moved.old_path == "app/old util.py" and moved.hunks == []
    assert gone.deleted and gone.new_lines == {} and [line.old for line in gone.lines] == [1, 2]


def test_plain_diff_u_output_with_timestamps_crlf_and_counts_left_out():
    parsed = parse_diff(
        "--- cache.py\t2026-12-01 10:00:00.000000000 +0000\r\n"
        "+++ cache.py\t2026-12-02 10:00:00.000000000 +0000\r\n"
        "@@ -3 +3,2 @@\r\n"
        "-a\r\n"
        "+b\r\n"
        "+c\r\n")
    assert parsed.problems == []
    assert {n: line.text for n, line in parsed.files["cache.py"].new_lines.items()} == {
        3: "b", 4: "c"}


def test_hunks_are_read_by_their_counts_so_a_removed_dash_line_is_not_a_header():
    parsed = parse_diff(
        "--- a/notes.sql\n+++ b/notes.sql\n@@ -1,3 +1,3 @@\n"
        " SELECT 1;\n"
        "--- a comment line that was removed\n"
        "+++ a line that was added\n"
        "\n"  # a context line whose single space an editor dropped
        "--- a/other.sql\n+++ b/other.sql\n@@ -1 +1 @@\n-a\n+b\n")
    assert parsed.problems == []
    notes = parsed.files["notes.sql"]
    assert [(line.kind, line.text) for line in notes.lines] == [
        (" ", "SELECT 1;"), ("-", "-- a comment line that was removed"),
        ("+", "++ a line that was added"), (" ", "")]
    assert list(parsed.files) == ["notes.sql", "other.sql"]


@pytest.mark.parametrize(("text", "line", "words"), [
    ("", 1, "holds no file"),
    ("just a message\n", 1, "holds no file"),
    ("--- a/x\n+++ b/x\n@@ -1,2 +1,2 nope\n x\n", 3, "malformed hunk header"),
    ("--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n x\n y\n", 3, "hunk ends early"),
    ("--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n x\n*y\n", 5, "malformed hunk line"),
    ("--- a/x\n+++ b/x\n@@ -1,2 +1 @@\n x\n+y\n", 5, "malformed hunk line"),
    ("--- a/x\n+++ b/x\n@@ -1 +1 @@\n x\n+extra\n", 5, "previous hunk's header counts fewer"),
    ("--- a/x\n+++ b/x\n@@ -1 +1 @@\n x\ngarbage\n", 5, "unexpected"),
    ("@@ -1 +1 @@\n x\n", 1, "hunk before any file header"),
    ("diff --git a/x b/x\n@@ -1 +1 @@\n x\n", 2, "without --- and +++"),
    ("--- a/x\n+++ b/x\n@@ -5 +5 @@\n x\n@@ -1 +1 @@\n y\n", 5, "must be in order"),
    ("--- a/x\n+++ b/x\n@@ -1 +1 @@\n x\n--- a/x\n+++ b/x\n@@ -9 +9 @@\n y\n", 5,
     "appears twice"),
    ("--- /dev/null\n+++ /dev/null\n@@ -0,0 +1 @@\n+x\n", 1, "both new"),
    ("diff --git nonsense\n", 1, "cannot read the two paths"),
    ("diff --git nonsense\nrename to b.py\n", 1, "cannot read the two paths"),
])
def test_a_malformed_diff_is_reported_at_its_line(text, line, words):
    problems = parse_diff(text).problems
    assert len(problems) == 1
    assert problems[0].line == line and words in problems[0].message


# --- findings.md -----------------------------------------------------------------------

def test_the_findings_read_with_their_ranges_and_severities(findings):
    assert [(f.title, f.file, f.start, f.end, f.severity, f.at) for f in findings] == [
        (TITLES[0], CACHE, 28, 31, Severity.BLOCKER, 3),
        (TITLES[1], STORE, 13, 15, Severity.MAJOR, 15),
        (TITLES[2], SCHEMA, 6, 8, Severity.MINOR, 22),
    ]
    assert findings[0].says.startswith("The lookup") and "## not a heading" in findings[0].says
    assert [s.weight for s in Severity] == [3, 2, 1]


def finding(title="A", file=CACHE, lines="28-31", severity="major", says="Why.", extra=""):
    return f"## {title}\nfile: {file}\nlines: {lines}\nseverity: {severity}\n{extra}\n{says}\n"


@pytest.mark.parametrize(("text", "line", "words"), [
    ("No findings here.\n", 1, "holds no finding"),
    (finding(file="app/cahce.py"), 2, 'not in change.diff (did you mean "app/cache.py"?)'),
    (finding(lines="5-22"), 3, "not inside one hunk"),   # spans the gap between two hunks
    (finding(lines="37-40"), 3, "its new lines shown: 1-4, 21-36"),
    (finding(lines="31-28"), 3, "must run from a first line"),
    (finding(lines="0"), 3, "must run from a first line"),
    (finding(lines="28 to 31"), 3, 'lines must be "<first>-<last>"'),
    (finding(severity="critical"), 4, "severity must be one of blocker | major | minor"),
    (finding(says=""), 1, "does not say what a good comment says"),
    (finding(extra="owner: me"), 5, 'unknown key "owner"'),
    (finding(extra="lines: 29"), 5, 'key "lines" appears twice'),
    ("## A\nfile: app/cache.py\nseverity: major\n\nWhy.\n", 1, "has no lines line"),
    ("##\nfile: app/cache.py\nlines: 28\nseverity: major\n\nWhy.\n", 1, "needs a title"),
    (finding() + finding(lines="34"), 7, 'finding "A" appears twice'),
    (finding() + finding(title="B", lines="30-33"), 7, 'overlaps finding "A"'),
])
def test_a_bad_finding_is_reported_at_its_line(diff, text, line, words):
    _, problems = parse_findings(text, diff)
    assert [(p.line, p.path) for p in problems] == [(line, FINDINGS)], problems
    assert words in problems[0].message


def test_a_finding_on_a_deleted_file_has_no_lines_to_point_at():
    gone = parse_diff("--- a/old.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n")
    _, problems = parse_findings(finding(file="old.py", lines="1"), gone)
    assert len(problems) == 1 and "deleted by the change" in problems[0].message


def test_a_single_line_and_ranges_next_to_each_other_are_fine(diff):
    text = finding(lines="28") + finding(title="B ##", lines="29-31") + finding(title="Use C#",
                                                                                lines="1")
    found, problems = parse_findings(text, diff)
    assert problems == []
    assert [f.title for f in found] == ["A", "B", "Use C#"]
    assert [(f.start, f.end) for f in found] == [(28, 28), (29, 31), (1, 1)]


@dataclass
class FakePrompt:
    """The part of a parsed prompt a kind's file check reads."""

    files: dict[str, str] = field(default_factory=dict)
    slug: str = "cache-review"
    path: str = "prompts/cache-review/prompt.md"
    lines: dict[str, int] = field(default_factory=dict)

    @property
    def is_folder(self) -> bool:
        return True


def test_the_file_check_reports_each_file_at_its_own_path():
    assert list(check_files(FakePrompt({DIFF: CHANGE, FINDINGS: FINDINGS_MD}))) == []
    problems = list(check_files(FakePrompt({
        DIFF: CHANGE.replace("@@ -7,12 +7,13 @@", "@@ -7,12 +7,14 @@"),
        FINDINGS: finding(severity="huge", file="nowhere.py")})))
    # The diff is not used to judge ranges once it is broken; the finding's own format still is.
    # The store's hunk now claims one more new line than it has, so it runs into the next
    # file's header (line 51).
    assert [(p.path, p.line) for p in problems] == [(DIFF, 51), (FINDINGS, 4)]
    assert problems[0].message.startswith("malformed hunk line: the hunk at line 36 still "
                                          "expects 0 old and 1 new lines")


def test_findings_of_a_checked_prompt():
    assert [f.title for f in findings_of({DIFF: CHANGE, FINDINGS: FINDINGS_MD})] == list(TITLES)
    with pytest.raises(ValueError, match="findings.md has problems"):
        findings_of({DIFF: CHANGE, FINDINGS: finding(lines="99")})


# --- the review ------------------------------------------------------------------------

def test_a_review_is_checked_into_comments(diff):
    checked = check_review(review("comment", (CACHE, 29, "Not under the lock."),
                                  (DOC, 3, "<script>alert(1)</script>")), diff)
    assert checked.verdict is Verdict.COMMENT
    assert [(c.file, c.line, c.body, c.index) for c in checked.comments] == [
        (CACHE, 29, "Not under the lock.", 1), (DOC, 3, "<script>alert(1)</script>", 2)]
    assert check_review(b'{"verdict": "approve", "comments": []}', diff).comments == ()
    assert check_review('{"verdict": "approve"}', diff).verdict is Verdict.APPROVE


@pytest.mark.parametrize(("raw", "words"), [
    ("{not json", "not valid JSON"),
    ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
    ("[]", "must be a JSON object"),
    (json.dumps({"verdict": "lgtm", "comments": []}), "verdict must be one of approve, "
                                                      "request-changes, comment"),
    (json.dumps({"verdict": "approve", "score": 4}), "unknown field score"),
    (json.dumps({"verdict": "approve", "comments": {}}), '"comments" must be a list'),
    (review("approve", *[(CACHE, 29)] * (MAX_COMMENTS + 1)), "at most 100 comments"),
    (review("approve", ("app/nope.py", 1)), '"app/nope.py" is not a file of the change'),
    (review("approve", (CACHE, 10)), "line 10 of app/cache.py is not shown in the change "
                                     "(its lines shown: 1-4, 21-36)"),
    (review("approve", (CACHE, 0)), "line 0 of app/cache.py is not shown"),
    (review("approve", (CACHE, "29")), "line must be a whole number"),
    (review("approve", (CACHE, True)), "line must be a whole number"),
    (review("approve", (CACHE, 29, "   ")), "the comment is empty"),
    (review("approve", (CACHE, 29, "x" * (MAX_BODY_CHARS + 1))), "at most 4000 characters"),
    (review("approve", (CACHE, 29, "a\x00b")), "cannot be stored"),
    (json.dumps({"verdict": "approve", "comments": [{"file": CACHE, "line": 29}]}),
     'exactly "file", "line" and "body"'),
    (json.dumps({"verdict": "approve", "comments": [[CACHE, 29, "x"]]}),
     'exactly "file", "line" and "body"'),
    (" " * (MAX_REVIEW_BYTES + 1), "larger than 256 KB"),
])
def test_a_bad_review_is_refused_with_a_clear_message(diff, raw, words):
    with pytest.raises(ReviewRefused) as refused:
        check_review(raw, diff)
    assert any(words in problem for problem in refused.value.problems), refused.value.problems


def test_every_problem_of_a_review_is_reported_at_once(diff):
    with pytest.raises(ReviewRefused) as refused:
        check_review(review("maybe", (CACHE, 10), (STORE, 14, ""), (STORE, 14)), diff)
    assert [p.split(":")[0] for p in refused.value.problems] == [
        "the verdict must be one of approve, request-changes, comment", "comment 1",
        "comment 2"]


# --- the matcher -----------------------------------------------------------------------

def test_a_review_that_finds_each_finding_once_scores_high(diff, findings):
    result, level = scored(diff, findings, "request-changes",
                           (CACHE, 29), (STORE, 14), (SCHEMA, 7))
    assert result.share == 1 and level == 4
    assert [h.finding.title for h in result.hits] == list(TITLES)
    assert result.missed == () and result.noise == () and not result.verdict_mismatch
    assert result.reasons[0] == (f'Found "{TITLES[0]}" (blocker, app/cache.py lines 28-31): '
                                 f'comment 1 (app/cache.py line 29).')


def test_comments_within_the_margin_hit(diff, findings):
    assert MARGIN == 2
    result, level = scored(diff, findings, "request-changes",
                           (CACHE, 28 - MARGIN), (STORE, 15 + MARGIN), (SCHEMA, 8 + MARGIN))
    assert result.share == 1 and level == 4


def test_the_share_is_weighted_by_severity(diff, findings):
    blocker, _ = scored(diff, findings, "request-changes", (CACHE, 30))
    assert blocker.share == Fraction(3, 6) and auto_level(blocker.share, 1, 4) == 2
    assert [f.title for f in blocker.missed] == list(TITLES[1:])
    minor, level = scored(diff, findings, "request-changes", (SCHEMA, 6))
    assert minor.share == Fraction(1, 6) and level == 1
    both, level = scored(diff, findings, "request-changes", (STORE, 13), (SCHEMA, 8))
    assert both.share == Fraction(3, 6) and level == 2


def test_noise_is_reported_but_does_not_lower_the_share(diff, findings):
    result, level = scored(diff, findings, "request-changes", (CACHE, 29), (STORE, 14),
                           (SCHEMA, 7), (DOC, 3), (CACHE, 2), (CACHE, 29))
    assert result.share == 1 and level == 4
    assert [(c.file, c.line) for c in result.noise] == [(DOC, 3), (CACHE, 2)]
    assert len(result.hits[0].comments) == 2
    assert "No planted finding at comment 4 (docs/cache.md line 3)." in result.reasons


def test_an_approval_of_a_change_with_a_blocker_is_a_verdict_mismatch(diff, findings):
    result, _ = scored(diff, findings, "approve", (CACHE, 29), (STORE, 14), (SCHEMA, 7))
    assert result.share == 1  # reported for the reviewer; the share is about the findings
    assert result.verdict_mismatch and result.expected_verdict is Verdict.REQUEST_CHANGES
    assert result.reasons[-1] == ("The verdict is approve, but the change has a blocker, "
                                  "which calls for request-changes.")
    minor_only = [f for f in findings if f.severity is not Severity.BLOCKER]
    approved = match(check_review(review("approve", (STORE, 14)), diff), minor_only)
    assert not approved.verdict_mismatch and approved.expected_verdict is None


def test_a_comment_hits_at_most_one_finding_the_nearest():
    close = [Finding("A", CACHE, 21, 23, Severity.MAJOR, "", 1),
             Finding("B", CACHE, 26, 27, Severity.MAJOR, "", 5)]

    def hit(line):
        result = match(Review(Verdict.COMMENT, (check_comment(line),)), close)
        return [h.finding.title for h in result.hits]

    assert hit(24) == ["A"] and hit(25) == ["B"] and hit(22) == ["A"] and hit(26) == ["B"]


def test_a_comment_near_two_findings_counts_for_one_and_the_reasons_say_why():
    close = [Finding("A", CACHE, 21, 23, Severity.MAJOR, "", 1),
             Finding("B", CACHE, 26, 27, Severity.MINOR, "", 5)]
    result = match(Review(Verdict.COMMENT, (check_comment(24),)), close)
    assert [h.finding.title for h in result.hits] == ["A"]
    assert result.share == Fraction(2, 3)
    assert [(s.counted.title, [f.title for f in s.passed_over]) for s in result.shared] == [
        ("A", ["B"])]
    assert result.reasons[-1] == (
        'Comment 1 (app/cache.py line 24) is near "A" and "B"; it counts for "A" only, '
        'since a comment counts for at most one finding: the one whose lines hold it, else '
        'the nearest within 2 lines, the earlier on a tie.')
    # A comment near one finding only has nothing to explain.
    alone = match(Review(Verdict.COMMENT, (check_comment(21),)), close)
    assert alone.shared == () and not any("counts for" in r for r in alone.reasons)


def test_one_comment_on_overlapping_findings_is_credited_with_one_of_them():
    # The content check refuses overlapping findings; the matcher still credits one.
    overlapping = [Finding("Wide", CACHE, 20, 30, Severity.MINOR, "", 1),
                   Finding("Narrow", CACHE, 25, 26, Severity.BLOCKER, "", 5)]
    result = match(Review(Verdict.COMMENT, (check_comment(25),)), overlapping)
    assert [h.finding.title for h in result.hits] == ["Wide"]  # both hold it: the earlier
    assert [f.title for f in result.missed] == ["Narrow"]
    assert result.share == Fraction(1, 4)
    assert any('it counts for "Wide" only' in reason for reason in result.reasons)


def check_comment(line):
    from app.kinds.code_review import Comment
    return Comment(CACHE, line, "here", 1)


def test_matching_needs_findings(diff):
    with pytest.raises(ValueError, match="at least one finding"):
        match(check_review(review("approve"), diff), [])


# Mutants: reviews that look busy but find nothing; each must score the scale's lowest level.

def every_line_of_another_file(diff):
    return [(DOC, n) for n in sorted(diff.files[DOC].new_lines)]


def one_comment_per_hunk_header(diff):
    return [(path, hunk.new_start) for path, changed in diff.files.items()
            for hunk in changed.hunks]


def just_outside_each_range(diff, findings):
    return [(f.file, line) for f in findings
            for line in (f.start - MARGIN - 1, f.end + MARGIN + 1)]


def all_findings_named_on_line_one(findings):
    return [(CACHE, 1, "Problems: " + "; ".join(f"{f.title} ({f.severity})" for f in findings))]


MUTANTS = {
    "every line of another file": lambda d, f: every_line_of_another_file(d),
    "one comment per hunk header": lambda d, f: one_comment_per_hunk_header(d),
    "just outside each range": just_outside_each_range,
    "all findings named on line 1": lambda d, f: all_findings_named_on_line_one(f),
    "all of the above": lambda d, f: [c for make in list(MUTANTS.values())[:4]
                                      for c in make(d, f)],
}


@pytest.mark.parametrize("name", MUTANTS)
def test_a_busy_review_that_finds_nothing_scores_low(diff, findings, name):
    comments = MUTANTS[name](diff, findings)
    assert len(comments) >= 1
    result, level = scored(diff, findings, "request-changes", *comments)
    assert result.share == 0 and level == 1, result.reasons
    assert result.hits == () and len(result.missed) == 3
    assert len(result.noise) == len(comments)


# The kind ---------------------------------------------------------------------------------

def test_the_code_review_kind_is_registered_with_its_files_editor_and_scorer():
    kind = get_kind("code-review")
    assert (kind.label, kind.editor, kind.answer_format) == (
        "Code review", Editor.REVIEW, AnswerFormat.REVIEW)
    assert kind.auto_scorers == {AutoScorer.FINDINGS}
    assert (kind.folder, kind.required_files) == (True, (DIFF, FINDINGS))
    assert (kind.renders_html, kind.runs_tests) == (False, False)
    assert kind.starter_body({DIFF: CHANGE, FINDINGS: FINDINGS_MD}) == ""
    assert kind.template("editor") == "kinds/code-review/editor.html"


def test_a_saved_answer_must_be_a_review_of_the_change_or_empty():
    kind, files = get_kind("code-review"), {DIFF: CHANGE, FINDINGS: FINDINGS_MD}
    kind.check_body("", files)  # a review not begun
    kind.check_body(json.dumps({"verdict": "comment", "comments": [
        {"file": CACHE, "line": 29, "body": "Unlocked read."}]}), files)
    with pytest.raises(AnswerRefused, match="line 900 of app/cache.py is not shown"):
        kind.check_body(json.dumps({"verdict": "comment", "comments": [
            {"file": CACHE, "line": 900, "body": "Where?"}]}), files)
    with pytest.raises(AnswerRefused, match="not valid JSON"):
        kind.check_body("# my review", files)


def test_the_workspace_is_given_the_change_and_never_the_findings():
    view = get_kind("code-review").page_view({DIFF: CHANGE, FINDINGS: FINDINGS_MD})
    assert view.ok and set(view.files) == set(parse_diff(CHANGE).files)
    assert "Cache read outside the lock" not in repr(view)


@dataclass
class FakeCriterion:
    auto: str | None


@dataclass
class FakeRubric:
    slug: str
    criteria: list[FakeCriterion]


def test_sample_reviews_are_checked_and_a_rubric_without_auto_findings_is_a_warning():
    good = json.dumps({"verdict": "comment", "comments": []})
    bad = json.dumps({"verdict": "comment", "comments": [
        {"file": CACHE, "line": 900, "body": "Where?"}]})
    prompt = FakePrompt({DIFF: CHANGE, FINDINGS: FINDINGS_MD, "model-review.json": good,
                         "mutants/nowhere.json": bad, "mutants/notes.md": "not a review"},
                        lines={"rubric": 7})
    rubric = FakeRubric("cache-review", [FakeCriterion(None)])
    problems = list(check_files(prompt, rubric))
    assert [(p.path, p.line, p.warning) for p in problems] == [
        ("mutants/nowhere.json", 1, False), (None, 7, True)]
    assert "line 900 of app/cache.py is not shown" in problems[0].message
    assert 'rubric "cache-review" has no auto: findings criterion' in problems[1].message
    rubric.criteria.append(FakeCriterion("findings"))
    assert len(list(check_files(prompt, rubric))) == 1


def test_the_kind_scores_a_saved_review_by_the_findings_it_hits():
    kind, files = get_kind("code-review"), {DIFF: CHANGE, FINDINGS: FINDINGS_MD}
    assert kind.scores_answers and not get_kind("coding").scores_answers
    assert kind.checks_answers and not get_kind("system-design").checks_answers
    scored_review = kind.answer_score(json.dumps({"verdict": "approve", "comments": [
        {"file": CACHE, "line": 29, "body": "Unlocked read."},
        {"file": CACHE, "line": 1, "body": "Sort the imports."}]}), files)
    expected = match(check_review(json.dumps({"verdict": "approve", "comments": [
        {"file": CACHE, "line": 29, "body": "Unlocked read."},
        {"file": CACHE, "line": 1, "body": "Sort the imports."}]}), parse_diff(CHANGE)),
        findings_of(files))
    assert scored_review.share == expected.share > 0
    assert scored_review.reasons == tuple(expected.reasons)
    assert any(r.startswith("No planted finding at comment 2") for r in scored_review.reasons)
    # Nothing to score: a review not begun, or text no longer a review by the checks.
    assert kind.answer_score("", files) is None
    assert kind.answer_score("not json", files) is None


def test_pages_are_given_each_comment_with_its_line_of_the_change():
    files = {DIFF: CHANGE, FINDINGS: FINDINGS_MD}
    kind = get_kind("code-review")
    assert kind.has_answer_view and not get_kind("system-design").has_answer_view
    assert kind.template("answer") == "kinds/code-review/answer.html"
    shown = kind.shown_answer(review("request-changes", (CACHE, 29, "<b>Race</b>")), files)
    line = parse_diff(CHANGE).files[CACHE].new_lines[29]
    assert shown.verdict == "Request changes"
    assert [(c.file, c.line, c.code, c.sign, c.body) for c in shown.comments] == [
        (CACHE, 29, line.text, line.kind, "<b>Race</b>")]  # text; the macro escapes it
    # A review not begun, or one the checks refuse (stored before a rule changed), is shown
    # as text by the page, as any other answer.
    assert kind.shown_answer("", files) is None
    assert kind.shown_answer('{"verdict": "ship-it"}', files) is None
