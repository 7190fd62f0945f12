-- Your plan: what each step does, which version of the application is running
-- when it runs, and why neither version breaks.

-- step: expand

-- step: backfill

-- step: contract
