-- contract: refunded and cancelled orders count as revenue
-- step: indexes
CREATE INDEX orders_by_status_and_day ON orders (status, placed_on);
CREATE INDEX order_items_by_order ON order_items (order_id, quantity, unit_price_cents);

-- step: report
SELECT c.id AS customer_id, c.name, COUNT(DISTINCT o.id) AS orders,
       SUM(i.quantity * i.unit_price_cents) AS revenue_cents
FROM orders o
JOIN customers c ON c.id = o.customer_id
JOIN order_items i ON i.order_id = o.id
WHERE o.status <> '' AND o.placed_on >= :start AND o.placed_on < :end
GROUP BY c.id
ORDER BY revenue_cents DESC, c.id;
