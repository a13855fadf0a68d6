"""The store's migrations (Alembic's script directory ``precis:migrations``).

``HEADS`` are the newest revision of each branch: what a current store's ``alembic_version`` holds.
``precis.store.schema`` compares a store with it without importing Alembic (which costs every
command half a second); ``tests/core/test_schema_heads.py`` fails when a migration is added and this
is not updated.
"""

HEADS = frozenset({"ingest_0001", "pipeline_0001", "podcast_0001", "review_0001", "search_0003", "titles_0001"})
VERSION_TABLE = "alembic_version"  # Alembic's default, which env.py keeps
