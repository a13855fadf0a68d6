"""The newsroom's fixtures for the publish tests: the sample store with its team (``team``) and
clients signed in as each role (``client_as``), as ``tests/newsroom/conftest.py`` makes them."""

from tests.newsroom.conftest import client_as, team, token_of

__all__ = ["client_as", "team", "token_of"]
