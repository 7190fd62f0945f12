INSERT INTO customers (id, name) VALUES (1, 'Ada'), (2, 'Brook'), (3, 'Cai');
INSERT INTO orders (id, customer_id, total_cents) VALUES (1, 1, 1200), (2, 1, 800), (3, 2, 500);
