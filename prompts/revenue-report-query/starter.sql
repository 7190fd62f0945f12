-- Your plan: what makes the report slow, which indexes fix it and what they cost.

-- step: indexes
-- CREATE INDEX ... ;

-- step: report
-- The report as it runs today: revenue per customer from paid orders placed on or
-- after :start and before :end (ISO dates), biggest first.
SELECT c.id AS customer_id, c.name, COUNT(DISTINCT o.id) AS orders,
       SUM(i.quantity * i.unit_price_cents) AS revenue_cents
FROM customers c
JOIN orders o ON o.customer_id = c.id
JOIN order_items i ON i.order_id = o.id
WHERE o.status = 'paid'
  AND date(o.placed_on) >= date(:start) AND date(o.placed_on) < date(:end)
GROUP BY c.id
ORDER BY revenue_cents DESC, c.id;
