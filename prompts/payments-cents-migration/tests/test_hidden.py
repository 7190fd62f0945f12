"""Hidden tests: the whole rollout, with both versions of the application writing.

The rollout runs once, as it would in production: expand while the old version
runs; the backfill over and over, the old version writing between batches,
until a run changes nothing; both versions side by side; then contract with
only the new version left. Each test checks one thing that rollout must get
right.
"""

import pytest

OLD_INSERT = ("INSERT INTO payments (account_id, amount, created_at) "
              "VALUES (:account_id, :amount, :created_at)")
OLD_UPDATE = "UPDATE payments SET amount = :amount WHERE id = :id"
OLD_READ = "SELECT amount FROM payments WHERE id = :id"
NEW_INSERT = ("INSERT INTO payments (account_id, amount_cents, created_at) "
              "VALUES (:account_id, :amount_cents, :created_at)")
NEW_UPDATE = "UPDATE payments SET amount_cents = :amount_cents WHERE id = :id"
NEW_READ = "SELECT amount_cents FROM payments WHERE id = :id"
LAST_ID = "SELECT max(id) FROM payments"
BATCH_MAX = 5_000  # rows one statement of expand or backfill may change
MAX_RUNS = 1_000   # backfill runs before the tests give up on it finishing
# Rows the old version edits while the backfill runs, and their new amounts.
EDITS = {3: 12.34, 150_000: 0.29, 199_999: 4321.0}
# Every other seeded payment, as the new column must hold it at the end: a checksum.
SEEDED_CENTS = ("SELECT count(*), sum(CAST(round(amount * 100) AS INTEGER)), "
                "sum(id * CAST(round(amount * 100) AS INTEGER) % 1000003) "
                "FROM payments WHERE id <= 200000 AND id NOT IN (3, 150000, 199999)")
FINAL_CENTS = ("SELECT count(amount_cents), sum(amount_cents), sum(id * amount_cents % 1000003) "
               "FROM payments WHERE id <= 200000 AND id NOT IN (3, 150000, 199999)")


def _phase(record, name, action):
    try:
        record[name] = action()
    except Exception as error:  # noqa: BLE001 - the test of that phase reports it
        record[name] = error


def _last_id(db):
    return db.query(LAST_ID)[0][0]


@pytest.fixture(scope="module")
def rollout(sql):
    db = sql.fresh()
    seen = {"one pass": db.work("SELECT count(*) FROM payments WHERE amount >= 0")}
    _phase(seen, "expand", lambda: db.run_step("expand"))

    def old_version_after_expand():
        db.execute(OLD_INSERT, {"account_id": 1, "amount": 10.05, "created_at": "2025-02-01"})
        inserted = _last_id(db)
        db.execute(OLD_UPDATE, {"amount": 10.07, "id": inserted})
        return inserted, db.query(OLD_READ, {"id": inserted})

    _phase(seen, "old after expand", old_version_after_expand)

    def backfill():
        runs = []
        for number in range(MAX_RUNS):
            statements = db.run_step("backfill")
            runs.append([(s["changes"], s["work"]) for s in statements])
            if sum(s["changes"] for s in statements) == 0:
                return runs
            # The old version keeps writing between batches: edits to rows the backfill
            # has or has not reached yet, and a new payment now and then.
            if number == 1:
                for row, amount in EDITS.items():
                    db.execute(OLD_UPDATE, {"amount": amount, "id": row})
            if number % 20 == 0:
                db.execute(OLD_INSERT, {"account_id": 2, "amount": 0.57,
                                        "created_at": "2025-02-02"})
        raise AssertionError(f"the backfill still changed rows after {MAX_RUNS} runs")

    _phase(seen, "backfill", backfill)

    def both_versions():
        found = {}
        db.execute(OLD_INSERT, {"account_id": 3, "amount": 7.1, "created_at": "2025-03-01"})
        old_row = _last_id(db)
        found["old insert, new read"] = db.query(NEW_READ, {"id": old_row})
        db.execute(NEW_INSERT, {"account_id": 4, "amount_cents": 12345,
                                "created_at": "2025-03-01"})
        new_row = _last_id(db)
        found["new insert, old read"] = db.query(OLD_READ, {"id": new_row})
        db.execute(OLD_UPDATE, {"amount": 99.99, "id": new_row})
        found["old update, new read"] = db.query(NEW_READ, {"id": new_row})
        db.execute(NEW_UPDATE, {"amount_cents": 501, "id": old_row})
        found["new update, old read"] = db.query(OLD_READ, {"id": old_row})
        return found

    _phase(seen, "both versions", both_versions)
    _phase(seen, "contract", lambda: db.run_step("contract"))

    def new_version_alone():
        db.execute(NEW_INSERT, {"account_id": 5, "amount_cents": 250,
                                "created_at": "2025-04-01"})
        row = _last_id(db)
        db.execute(NEW_UPDATE, {"amount_cents": 260, "id": row})
        return db.query(NEW_READ, {"id": row})

    _phase(seen, "new alone", new_version_alone)
    _phase(seen, "columns", lambda: [r[0] for r in db.query(
        "SELECT name FROM pragma_table_info('payments')")])
    _phase(seen, "final cents", lambda: db.query(FINAL_CENTS))
    _phase(seen, "edited", lambda: {row: db.query(NEW_READ, {"id": row})[0][0]
                                    for row in EDITS})
    _phase(seen, "missing cents", lambda: db.query(
        "SELECT count(*) FROM payments WHERE amount_cents IS NULL"))
    _phase(seen, "triggers", lambda: db.query(
        "SELECT name FROM sqlite_master WHERE type = 'trigger'"))
    return seen


def _done(rollout, phase):
    value = rollout[phase]
    if isinstance(value, Exception):
        pytest.fail(f"{phase}: {type(value).__name__}: {value}")
    return value


def test_expand_rewrites_no_rows_in_bulk(rollout):
    statements = _done(rollout, "expand")
    assert max((s["changes"] for s in statements), default=0) <= BATCH_MAX


def test_the_old_version_works_after_expand(rollout):
    _, read = _done(rollout, "old after expand")
    assert read == [(10.07,)]


def test_the_backfill_finishes(rollout):
    runs = _done(rollout, "backfill")
    assert sum(changes for run in runs for changes, _ in run) >= 200_000 - 5_000


def test_every_backfill_statement_changes_a_bounded_batch(rollout):
    runs = _done(rollout, "backfill")
    biggest = max(changes for run in runs for changes, _ in run)
    assert biggest <= BATCH_MAX, f"one statement changed {biggest} rows"


def test_every_backfill_run_finds_its_batch_without_reading_the_whole_table(rollout):
    # Work in virtual-machine instructions, next to one plain pass over the table in the
    # same process: a batch that re-reads the rows it converted gets slower run by run.
    runs = _done(rollout, "backfill")
    heaviest = max(work for run in runs for _, work in run)
    assert heaviest * 3 < rollout["one pass"], (heaviest, rollout["one pass"])


@pytest.mark.parametrize("case", ["old insert, new read", "new insert, old read",
                                  "old update, new read", "new update, old read"])
def test_both_versions_see_each_others_writes(rollout, case):
    expected = {"old insert, new read": [(710,)], "new insert, old read": [(123.45,)],
                "old update, new read": [(9999,)], "new update, old read": [(5.01,)]}
    assert _done(rollout, "both versions")[case] == expected[case]


def test_contract_runs_and_leaves_only_the_new_column(rollout):
    _done(rollout, "contract")
    columns = _done(rollout, "columns")
    assert "amount" not in columns and "amount_cents" in columns, columns


def test_the_new_version_works_alone_after_contract(rollout):
    assert _done(rollout, "new alone") == [(260,)]


def test_every_seeded_payment_holds_its_amount_in_cents(sql, rollout):
    assert _done(rollout, "final cents") == sql.expected(SEEDED_CENTS)


def test_edits_made_during_the_backfill_are_kept(rollout):
    assert _done(rollout, "edited") == {row: round(amount * 100)
                                        for row, amount in EDITS.items()}


def test_no_payment_is_left_without_cents(rollout):
    assert _done(rollout, "missing cents") == [(0,)]


def test_no_trigger_is_left_behind(rollout):
    assert _done(rollout, "triggers") == []
