"""Search: the query language (:mod:`~samplemind.search.parse`) and the engine that runs it
(:mod:`~samplemind.search.engine`: filter and rank in the store, ``like:`` through the vector
index).

Only the parser is re-exported here, so reading a query does not load the engine's numeric
stack.
"""

from samplemind.search.parse import format_query, parse_query

__all__ = ["format_query", "parse_query"]
