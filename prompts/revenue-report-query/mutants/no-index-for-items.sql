-- complexity: order_items is found by order with no index of its own, so each run scans it or builds a throwaway one
-- step: indexes
CREATE INDEX orders_by_status_and_day ON orders (status, placed_on);

-- step: report
SELECT c.id AS customer_id, c.name, COUNT(DISTINCT o.id) AS orders,
       SUM(i.quantity * i.unit_price_cents) AS revenue_cents
FROM orders o
JOIN customers c ON c.id = o.customer_id
JOIN order_items i ON i.order_id = o.id
WHERE o.status = 'paid' AND o.placed_on >= :start AND o.placed_on < :end
GROUP BY c.id
ORDER BY revenue_cents DESC, c.id;
