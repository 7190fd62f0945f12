-- The shop's order history. Money is in integer cents.
CREATE TABLE customers (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL,
    region  TEXT NOT NULL
);

CREATE TABLE orders (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    placed_on    TEXT NOT NULL,   -- ISO date, 'YYYY-MM-DD'
    status       TEXT NOT NULL    -- 'paid', 'refunded' or 'cancelled'
        CHECK (status IN ('paid', 'refunded', 'cancelled'))
);

CREATE TABLE order_items (
    id                INTEGER PRIMARY KEY,
    order_id          INTEGER NOT NULL REFERENCES orders (id),
    sku               TEXT NOT NULL,
    quantity          INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_cents  INTEGER NOT NULL CHECK (unit_price_cents >= 0)
);
