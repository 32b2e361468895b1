"""Persistence: the register's tables, the engine, and Alembic migrations."""
