-- The payments table as it is today: amounts in dollars, as floating point.
CREATE TABLE payments (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL,
    amount      REAL,           -- dollars; declared without NOT NULL long ago, always set
    created_at  TEXT NOT NULL   -- ISO timestamp
);

CREATE INDEX payments_by_account ON payments (account_id, created_at);
