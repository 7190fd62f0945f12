"""Hidden tests: they score the answer once it is submitted."""

REFERENCE = """
SELECT c.id, c.name, COUNT(o.id) FROM customers c LEFT JOIN orders o ON o.customer_id = c.id
GROUP BY c.id ORDER BY c.id
"""


def test_every_customer_is_counted(sql):
    db = sql.fresh()
    assert db.query(db.step_query("report")) == sql.expected(REFERENCE)
