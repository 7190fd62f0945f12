"""Public tests: the answer's steps, and the report's rows for one day.

``sql`` is the prompt's fixture: ``sql.fresh()`` is a new copy of the seeded
database with your answer ready to run, and ``sql.expected`` runs a reference
query on the seeded data.
"""

REFERENCE = """
SELECT c.id, c.name, COUNT(DISTINCT o.id), SUM(i.quantity * i.unit_price_cents) AS revenue
FROM orders o JOIN customers c ON c.id = o.customer_id JOIN order_items i ON i.order_id = o.id
WHERE o.status = 'paid' AND o.placed_on >= :start AND o.placed_on < :end
GROUP BY c.id ORDER BY revenue DESC, c.id
"""


def test_the_answer_has_an_indexes_step_then_a_report_step(sql):
    assert sql.step_names() == ["indexes", "report"]


def test_the_report_step_is_one_query(sql):
    db = sql.fresh()
    assert db.step_query("report").lstrip().upper().startswith(("SELECT", "WITH"))


def test_one_day_of_revenue_matches_the_reference(sql):
    db = sql.fresh()
    db.run_step("indexes")
    day = {"start": "2024-06-03", "end": "2024-06-04"}
    assert db.query(db.step_query("report"), day) == sql.expected(REFERENCE, day)
