"""Hidden tests: the report's rows over several ranges, its plan, and how much it reads."""

import pytest

REFERENCE = """
SELECT c.id, c.name, COUNT(DISTINCT o.id), SUM(i.quantity * i.unit_price_cents) AS revenue
FROM orders o JOIN customers c ON c.id = o.customer_id JOIN order_items i ON i.order_id = o.id
WHERE o.status = 'paid' AND o.placed_on >= :start AND o.placed_on < :end
GROUP BY c.id ORDER BY revenue DESC, c.id
"""
WEEK = {"start": "2024-03-01", "end": "2024-03-08"}
RANGES = {
    "a week": WEEK,
    "a month across a year's end": {"start": "2023-12-15", "end": "2024-01-15"},
    "one day": {"start": "2023-07-04", "end": "2023-07-05"},
    "a day with no orders": {"start": "2025-06-01", "end": "2025-06-02"},
    "the last day of the history": {"start": "2024-12-31", "end": "2025-01-01"},
}
# The same data, counted, before and after the indexes step: it must change no rows.
CENSUS = """
SELECT (SELECT COUNT(*) FROM orders), (SELECT COUNT(*) FROM orders WHERE status = 'paid'),
       (SELECT COUNT(*) FROM order_items),
       (SELECT SUM(quantity * unit_price_cents) FROM order_items)
"""


@pytest.fixture(scope="module")
def indexed(sql):
    db = sql.fresh()
    db.run_step("indexes")
    return db


@pytest.mark.parametrize("name", sorted(RANGES))
def test_the_rows_match_the_reference(sql, indexed, name):
    params = RANGES[name]
    assert indexed.query(indexed.step_query("report"), params) == sql.expected(REFERENCE, params)


def test_the_indexes_step_changes_no_data(sql, indexed):
    assert indexed.query(CENSUS) == sql.expected(CENSUS)


def test_orders_are_searched_by_an_index(sql, indexed):
    sql.assert_uses_index(indexed, indexed.plan(indexed.step_query("report"), WEEK), "orders")


def test_order_items_are_searched_by_an_index(sql, indexed):
    plan = indexed.plan(indexed.step_query("report"), WEEK)
    sql.assert_uses_index(indexed, plan, "order_items")


def test_no_table_is_read_whole(sql, indexed):
    plan = indexed.plan(indexed.step_query("report"), WEEK)
    sql.assert_no_scan(plan)


def test_a_week_reads_a_small_fraction_of_one_pass_over_the_items(indexed):
    # Both are measured in the same process, in virtual-machine instructions: a week is
    # about 1% of the orders, so even with the customers and the sort it should cost
    # well under an eighth of one plain pass over order_items.
    one_pass = indexed.work("SELECT SUM(quantity * unit_price_cents) FROM order_items")
    report = indexed.work(indexed.step_query("report"), WEEK)
    assert report * 8 < one_pass, (report, one_pass)
