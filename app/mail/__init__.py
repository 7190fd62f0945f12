"""Email: the outbox services queue into, and the worker that delivers it (docs/email.md)."""
