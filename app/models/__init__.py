"""SQLAlchemy models. Importing this package registers every table on Base.metadata."""

from app.models.users import Role, User, UserRole, UserSession

__all__ = ["Role", "User", "UserRole", "UserSession"]
