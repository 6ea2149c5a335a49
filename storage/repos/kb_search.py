"""Full-text search statements: SQLite FTS5 with bm25, PostgreSQL tsvector with ts_rank.

User words reach the database only as quoted terms inside a bound parameter,
so quotes, `*`, `NEAR(` or SQL in a query are plain text.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Integer, bindparam, column, text

from bot.features.knowledge.text import is_prefix_term
from storage.models.knowledge import KbEntryRow


def fts5_query(terms: Sequence[str], any_term: bool) -> str:
    """An FTS5 MATCH expression in which every term is a quoted string, never syntax."""
    parts = []
    for term in terms:
        quoted = '"' + term.replace('"', '""') + '"'
        parts.append(quoted + "*" if is_prefix_term(term) else quoted)
    return (" OR " if any_term else " AND ").join(parts)


def tsquery_text(terms: Sequence[str], any_term: bool) -> str:
    """A to_tsquery input in which every term is a quoted lexeme, never syntax."""
    parts = []
    for term in terms:
        quoted = "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"
        parts.append(quoted + ":*" if is_prefix_term(term) else quoted)
    return (" | " if any_term else " & ").join(parts)


_COLUMNS = ", ".join(f"e.{c.name}" for c in KbEntryRow.__table__.c)

# Relevance grows with helpful votes, by at most half again, with diminishing returns.
# FTS5 computes bm25 for every row it returns, so the newest :cap matches are ranked
# (all of them when fewer match): a word found in most entries costs a bounded few
# milliseconds instead of one bm25 per entry. Rows are ranked on ids and scores
# first; only the :limit best are read in full (sorting whole rows costs twice as
# much). See bench/kb_search.py. The total counts translation groups, not rows: an
# entry and its translations are one result, as the core shows them.
SQLITE_SEARCH = f"""
WITH hits AS MATERIALIZED (
    SELECT rowid AS id, bm25(kb_fts, 10.0, 1.0, 4.0) AS rank
    FROM kb_fts WHERE kb_fts MATCH :query
    ORDER BY rowid DESC LIMIT :cap
), matched AS MATERIALIZED (
    SELECT e.id AS id, e.group_id AS group_id,
           hits.rank * (1.0 + 0.5 * e.helpful / (e.helpful + 3.0)) AS score
    FROM hits JOIN kb_entries AS e ON e.id = hits.id
    WHERE e.status = 'published' AND e.community_id IN :communities
), ranked AS MATERIALIZED (
    SELECT id, score FROM matched ORDER BY score, id DESC LIMIT :limit
)
SELECT {_COLUMNS}, (SELECT count(DISTINCT group_id) FROM matched) AS total,
       (SELECT count(*) FROM hits) AS scanned
FROM ranked JOIN kb_entries AS e ON e.id = ranked.id
ORDER BY ranked.score, e.id DESC
"""

SQLITE_MATCHES = """
SELECT count(*) FROM (SELECT rowid FROM kb_fts WHERE kb_fts MATCH :query
                      ORDER BY rowid DESC LIMIT :cap)
"""

# Ranked with the OR form of the query: ts_rank of an AND query favours terms that
# stand close together over a title match, while the OR form adds up each term's
# weight (title A, tags B, body D) as bm25 does on SQLite.
POSTGRES_SEARCH = f"""
WITH matched AS MATERIALIZED (
    SELECT e.id AS id, e.group_id AS group_id,
           ts_rank(e.search_vector, r) * (1.0 + 0.5 * e.helpful / (e.helpful + 3.0)) AS score
    FROM kb_entries AS e, to_tsquery('simple', kb_unaccent(:query)) AS q,
         to_tsquery('simple', kb_unaccent(:rank_query)) AS r
    WHERE e.search_vector @@ q AND e.status = 'published' AND e.community_id IN :communities
), ranked AS MATERIALIZED (
    SELECT id, score FROM matched ORDER BY score DESC, id DESC LIMIT :limit
)
SELECT {_COLUMNS}, (SELECT count(DISTINCT group_id) FROM matched) AS total, 0 AS scanned
FROM ranked JOIN kb_entries AS e ON e.id = ranked.id
ORDER BY ranked.score DESC, e.id DESC
"""

# How many of the newest matches SQLite ranks (see SQLITE_SEARCH).
RANK_CAP = 1000


@cache
def statement(sql: str) -> Any:
    """A search statement with typed result columns, built once."""
    return (text(sql).bindparams(bindparam("communities", expanding=True))
            .columns(*KbEntryRow.__table__.c, column("total", Integer),
                     column("scanned", Integer)))
