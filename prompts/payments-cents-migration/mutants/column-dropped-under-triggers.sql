-- state: contract drops the old column while the triggers still use it
-- step: expand
ALTER TABLE payments ADD COLUMN amount_cents INTEGER;
CREATE INDEX payments_without_cents ON payments (id) WHERE amount_cents IS NULL;
CREATE TRIGGER payments_cents_from_dollars_on_insert AFTER INSERT ON payments
WHEN NEW.amount_cents IS NULL AND NEW.amount IS NOT NULL
BEGIN
    UPDATE payments SET amount_cents = CAST(round(NEW.amount * 100) AS INTEGER)
    WHERE id = NEW.id;
END;
CREATE TRIGGER payments_dollars_from_cents_on_insert AFTER INSERT ON payments
WHEN NEW.amount IS NULL AND NEW.amount_cents IS NOT NULL
BEGIN
    UPDATE payments SET amount = NEW.amount_cents / 100.0 WHERE id = NEW.id;
END;
CREATE TRIGGER payments_cents_from_dollars_on_update AFTER UPDATE OF amount ON payments
WHEN NEW.amount IS NOT OLD.amount
BEGIN
    UPDATE payments SET amount_cents = CAST(round(NEW.amount * 100) AS INTEGER)
    WHERE id = NEW.id;
END;
CREATE TRIGGER payments_dollars_from_cents_on_update AFTER UPDATE OF amount_cents ON payments
WHEN OLD.amount_cents IS NOT NULL AND NEW.amount_cents IS NOT OLD.amount_cents
BEGIN
    UPDATE payments SET amount = NEW.amount_cents / 100.0 WHERE id = NEW.id;
END;

-- step: backfill
UPDATE payments SET amount_cents = CAST(round(amount * 100) AS INTEGER)
WHERE id IN (SELECT id FROM payments WHERE amount_cents IS NULL AND amount IS NOT NULL
             ORDER BY id LIMIT 2000);

-- step: contract
DROP INDEX payments_without_cents;
ALTER TABLE payments DROP COLUMN amount;
DROP TRIGGER payments_cents_from_dollars_on_insert;
DROP TRIGGER payments_dollars_from_cents_on_insert;
DROP TRIGGER payments_cents_from_dollars_on_update;
DROP TRIGGER payments_dollars_from_cents_on_update;
