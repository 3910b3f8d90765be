"""Alembic migrations for the Thongthin database (run with `thongthin db upgrade` or bot.db.upgrade)."""
