"""The judge's side of an SQL prompt's run: the ``sql`` fixture the prompt's tests use.

Shipped into the judge as ``conftest.py`` beside the tests, with the prompt's
schema and seed appended as string literals. The candidate's SQL never runs
here: ``sql.fresh()`` is a database in the subject's process (``solution``,
over the bridge), and what comes back is plain rows, plan lines and counts.
The expected rows come from this process's own copy of the seeded database,
which runs only the prompt's SQL and the tests' reference queries.

Standard library and pytest only: it runs on the system Python, not the app's.
"""

import re
import sqlite3

import pytest

SCHEMA = ""  # the prompt's schema.sql and seed.sql are appended after this code
SEED = ""

_SEARCH = re.compile(r"^SEARCH (\S+) USING (?:COVERING )?INDEX (\S+)")
_SCAN = re.compile(r"^SCAN (\S+)")
_reference = None


def _candidate():
    # Imported when a test first asks: the judge's plugin makes ``solution`` importable
    # once pytest is configured, after this file is loaded.
    import solution
    return solution


def _reference_database():
    global _reference
    if _reference is None:
        connection = sqlite3.connect(":memory:", isolation_level=None)
        connection.executescript(SCHEMA)
        connection.executescript(SEED)
        _reference = connection
    return _reference


class SqlCheck:
    """What an SQL prompt's tests reach: the candidate's databases and the reference one."""

    def fresh(self):
        """A new copy of the seeded database in the candidate's process, the answer ready."""
        return _candidate().fresh()

    def step_names(self):
        """The steps the answer names, in order."""
        return list(_candidate().step_names())

    def expected(self, statement, params=None):
        """Rows of the tests' own reference ``statement`` on the seeded database."""
        return [tuple(row) for row in
                _reference_database().execute(statement, params or {}).fetchall()]

    @staticmethod
    def indexes_of(db, table):
        """The names of ``table``'s indexes in ``db`` (the candidate's database)."""
        return {row[0] for row in db.query("SELECT name FROM pragma_index_list(:table)",
                                           {"table": table})}

    def assert_uses_index(self, db, plan, table):
        """The plan searches ``table`` by one of its own indexes (not an automatic one)."""
        indexes = self.indexes_of(db, table)
        used = [line for line in plan
                if (found := _SEARCH.match(line)) and found.group(2) in indexes]
        assert used, f"no step of the plan searches {table} by one of its indexes " \
                     f"({sorted(indexes) or 'it has none'}):\n" + "\n".join(plan)

    @staticmethod
    def assert_no_scan(plan, allow=()):
        """No line of the plan reads a whole table or index, nor builds an automatic index.

        ``allow`` names what may be scanned (a small CTE's name, say). A plan names a
        table by its alias in the query, so any other ``SCAN`` line fails.
        """
        scans = [line for line in plan
                 if (found := _SCAN.match(line)) and found.group(1) not in allow
                 and not line.startswith("SCAN CONSTANT ROW") or "AUTOMATIC" in line]
        assert not scans, "the plan reads a whole table:\n" + "\n".join(plan)


@pytest.fixture(scope="session")
def sql():
    """The candidate's databases (``sql.fresh()``) and the expected rows."""
    return SqlCheck()
