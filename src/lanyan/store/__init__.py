"""Database engine, sessions, base classes and migrations."""
