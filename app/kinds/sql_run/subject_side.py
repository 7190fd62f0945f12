"""The subject's side of an SQL prompt's run: the candidate's SQL against a seeded database.

Shipped into the sandbox as the module the judge imports as ``solution``, with
the prompt's schema, its seed and the candidate's answer appended as string
literals (``SCHEMA``, ``SEED``, ``ANSWER``): the answer is data here, and only
``sqlite3`` ever executes it, in this process. The judge reaches a
``Database`` over the bridge and gets rows, plans and counts back as plain
values, so nothing the SQL does can touch the judge's own code or report.

Every statement runs under guards against hostile SQL (see docs/sandbox.md):
an authorizer that refuses ATTACH (and so VACUUM INTO), loading extensions,
virtual tables and any PRAGMA but a few read-only ones; no attached databases
at all (a limit of 0); a heap limit; and a budget of virtual-machine
instructions per statement, counted by SQLite's progress handler, that stops
a runaway recursive CTE long before the sandbox's CPU limit would.

Standard library only: it runs on the system Python, not the app's.
"""

import re
import sqlite3

SCHEMA = ""  # the prompt's schema.sql, seed.sql and the answer are appended after this code
SEED = ""
ANSWER = ""

STEP_LINE = re.compile(r"^[ \t]*--[ \t]*step:[ \t]*(.*?)[ \t]*$", re.MULTILINE)
STEP_NAME = re.compile(r"[a-z][a-z0-9_-]{0,39}")
TICK = 1_000  # virtual-machine instructions between two calls of the progress handler
STATEMENT_TICKS = 50_000  # a statement's budget: 5e7 instructions, ten times a full-table rewrite
HEAP_BYTES = 256 * 1024 * 1024
MAX_ROWS = 5_000  # rows one statement may hand back to the tests
READ_ONLY_PRAGMAS = frozenset({"table_info", "table_xinfo", "index_list", "index_info",
                               "index_xinfo", "foreign_key_list"})
DENIED_FUNCTIONS = frozenset({"load_extension", "fts3_tokenizer", "readfile", "writefile",
                              "edit"})


class Refused(Exception):
    """A statement the sandbox does not allow, or one that ran past its budget."""


class AnswerError(Exception):
    """A statement of the answer failed; the message names its step and line."""


def split_statements(text, first_line=1):
    """``(line, statement)`` for each complete statement of ``text``, comments kept."""
    statements, buffer, start = [], [], None
    for number, line in enumerate(text.splitlines(), start=first_line):
        if start is None:
            if not line.strip() or line.strip().startswith("--"):
                continue
            start = number
        buffer.append(line)
        joined = "\n".join(buffer)
        if sqlite3.complete_statement(joined):
            statements.append((start, joined.strip()))
            buffer, start = [], None
    if start is not None and "\n".join(buffer).strip():
        statements.append((start, "\n".join(buffer).strip()))
    return statements


def split_steps(text):
    """The answer's named steps, in order: ``[(name, line, [(line, statement), ...])]``.

    A step starts at a line ``-- step: <name>``; comments before the first one
    are the plan, and a statement there is an error, as is a step named twice. Line ends
    may be a browser form's CRLF.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    marks = list(STEP_LINE.finditer(text))
    head = text[:marks[0].start()] if marks else text
    stray = split_statements(head)
    if stray:
        raise AnswerError(f"line {stray[0][0]}: a statement before the first "
                          f"'-- step: <name>' line")
    steps, seen = [], set()
    for position, mark in enumerate(marks):
        line = text.count("\n", 0, mark.start()) + 1
        name = mark.group(1)
        if not STEP_NAME.fullmatch(name):
            raise AnswerError(f"line {line}: a step's name is lowercase letters, digits, "
                              f"hyphens and underscores, got {name[:40]!r}")
        if name in seen:
            raise AnswerError(f"line {line}: the step {name!r} is named twice")
        seen.add(name)
        end = marks[position + 1].start() if position + 1 < len(marks) else len(text)
        steps.append((name, line, split_statements(text[mark.end():end], line)))
    return steps


class Database:
    """A fresh copy of the seeded database, with the answer's steps to run on it."""

    def __init__(self, connection, steps):
        self._connection = connection
        self._steps = {name: statements for name, _, statements in steps}
        self._order = [name for name, _, _ in steps]
        self._ticks = 0
        self._refusal = None
        connection.set_authorizer(self._authorize)
        connection.set_progress_handler(self._progress, TICK)

    # -- guards ----------------------------------------------------------------

    def _authorize(self, action, first, second, database, trigger):
        refusal = None
        if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
            refusal = "ATTACH, DETACH and VACUUM INTO are not allowed"
        elif action == sqlite3.SQLITE_PRAGMA and (first or "").lower() not in READ_ONLY_PRAGMAS:
            refusal = f"PRAGMA {first} is not allowed"
        elif action == sqlite3.SQLITE_FUNCTION and (second or "").lower() in DENIED_FUNCTIONS:
            refusal = f"{second}() is not allowed"
        elif action in (sqlite3.SQLITE_CREATE_VTABLE, sqlite3.SQLITE_DROP_VTABLE):
            refusal = "virtual tables are not allowed"
        if refusal is None:
            return sqlite3.SQLITE_OK
        self._refusal = refusal
        return sqlite3.SQLITE_DENY

    def _progress(self):
        self._ticks += 1
        if self._ticks > STATEMENT_TICKS:
            self._refusal = (f"stopped after {STATEMENT_TICKS * TICK:,} virtual-machine "
                             f"instructions")
            return 1  # interrupts the statement
        return 0

    def _execute(self, statement, params):
        """Rows (as tuples), rows changed (with the triggers' changes), work and the
        statement's own row count, under the guards."""
        self._ticks, self._refusal = 0, None
        before = self._connection.total_changes
        try:
            cursor = self._connection.execute(statement, params or {})
            rows = cursor.fetchmany(MAX_ROWS + 1)
        except sqlite3.Error:
            if self._refusal:
                raise Refused(self._refusal) from None
            raise
        if len(rows) > MAX_ROWS:
            raise Refused(f"a statement returned more than {MAX_ROWS} rows")
        return ([tuple(row) for row in rows],
                self._connection.total_changes - before, self._ticks, cursor.rowcount)

    # -- the answer --------------------------------------------------------------

    def step_names(self):
        """The answer's steps, in order."""
        return list(self._order)

    def _statements(self, step):
        if step not in self._steps:
            raise AnswerError(f"the answer has no '-- step: {step}'")
        return self._steps[step]

    def run_step(self, step, params=None):
        """Run every statement of ``step``; for each, its line, rows, changes and work."""
        done = []
        for line, statement in self._statements(step):
            try:
                rows, changes, work, _ = self._execute(statement, params)
            except (sqlite3.Error, Refused) as error:
                raise AnswerError(f"step {step}, line {line}: {error}") from None
            done.append({"line": line, "rows": rows, "changes": changes, "work": work,
                         "verb": statement.lstrip("(").split(None, 1)[0].upper()
                         if statement.split() else ""})
        return done

    def run_steps(self, *steps):
        """Run the named steps (all of them, in order, when none is named)."""
        for step in steps or self._order:
            self.run_step(step)

    def step_query(self, step):
        """The text of a step that holds one statement (a query the tests run themselves)."""
        statements = self._statements(step)
        if len(statements) != 1:
            raise AnswerError(f"step {step} should hold exactly one statement, "
                              f"it holds {len(statements)}")
        return statements[0][1]

    # -- the tests' own SQL (the application's queries, checks) ------------------

    def query(self, statement, params=None):
        """Rows of ``statement`` (the tests' SQL, or ``step_query``'s)."""
        return self._execute(statement, params)[0]

    def execute(self, statement, params=None):
        """Run a write as an application would; the row count it sees (triggers' not counted)."""
        return self._execute(statement, params)[3]

    def work(self, statement, params=None):
        """How much work ``statement`` does: thousands of virtual-machine instructions."""
        return self._execute(statement, params)[2]

    def plan(self, statement, params=None):
        """``EXPLAIN QUERY PLAN`` of ``statement``: one detail string per line of the plan."""
        rows = self._execute("EXPLAIN QUERY PLAN " + statement, params)[0]
        return [str(row[-1]) for row in rows]


_template = None


def _seeded():
    """The seeded database, built once per run; each test gets a copy."""
    global _template
    if _template is None:
        connection = sqlite3.connect(":memory:", isolation_level=None)
        connection.executescript(SCHEMA)
        connection.executescript(SEED)
        _template = connection
    return _template


def _guarded_connection():
    connection = sqlite3.connect(":memory:", isolation_level=None)
    connection.execute(f"PRAGMA hard_heap_limit = {HEAP_BYTES}")
    connection.execute("PRAGMA temp_store = MEMORY")
    connection.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 8 * 1024 * 1024)
    return connection


def fresh():
    """A new copy of the seeded database, guarded, with the answer's steps ready to run."""
    steps = split_steps(ANSWER)
    connection = _guarded_connection()
    _seeded().backup(connection)
    return Database(connection, steps)


def step_names():
    """The answer's steps, in order."""
    return [name for name, _, _ in split_steps(ANSWER)]
