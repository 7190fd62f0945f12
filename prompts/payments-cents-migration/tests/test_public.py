"""Public tests: the steps, the old version after expand, and one backfill batch.

``sql`` is the prompt's fixture: ``sql.fresh()`` is a new copy of the seeded
database with your answer ready to run (``run_step``, ``query``, ``execute``).
"""

OLD_INSERT = ("INSERT INTO payments (account_id, amount, created_at) "
              "VALUES (:account_id, :amount, :created_at)")
OLD_READ = "SELECT amount FROM payments WHERE id = :id"
BATCH_MAX = 5_000


def test_the_answer_has_expand_backfill_and_contract_steps(sql):
    assert sql.step_names() == ["expand", "backfill", "contract"]


def test_the_old_version_still_writes_and_reads_after_expand(sql):
    db = sql.fresh()
    db.run_step("expand")
    assert db.execute(OLD_INSERT, {"account_id": 7, "amount": 19.99,
                                   "created_at": "2025-01-01 10:00:00"}) == 1
    (new_id,) = db.query("SELECT max(id) FROM payments")[0]
    assert db.query(OLD_READ, {"id": new_id}) == [(19.99,)]


def test_one_backfill_run_converts_a_bounded_batch(sql):
    db = sql.fresh()
    db.run_step("expand")
    changed = [statement["changes"] for statement in db.run_step("backfill")]
    assert sum(changed) > 0 and max(changed) <= BATCH_MAX, changed
