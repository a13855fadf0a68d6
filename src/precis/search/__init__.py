"""Server-side search over the public archive: SQLite FTS5, or PostgreSQL full-text search.

The index holds one document per public entry, made from its public view (``documents``), so
search can never show more than the public may see; ``index.SearchIndex`` keeps it current and
answers queries through one interface, each database dialect in a module of its own (``sqlite``,
``postgres``). Both stem English words ("optimizers" finds "optimization") and weight the title
above the authors above the text; relevance is then lifted a little for entries that many later
summaries refer to (the archive's own measure of a central work): a query about mesa optimizers
should find the paper that introduced them, not only the posts that repeat its words in their
titles.
"""

from precis.search.hits import Filters, Hit, query_words
from precis.search.index import MAX_LIMIT, SearchIndex

__all__ = ["MAX_LIMIT", "Filters", "Hit", "SearchIndex", "query_words"]
