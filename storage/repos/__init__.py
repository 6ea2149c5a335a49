"""Repositories: the core's store ports, implemented with SQLAlchemy."""
