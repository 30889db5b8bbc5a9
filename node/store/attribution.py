"""How a document is attributed to a day and a unit — one rule for the exchange report
(``node.store.reports``) and for the lists its figures open (``node.store.lists``), so a figure and
the list behind it cannot drift apart.

- The day of a stored ISO time (any offset) is its Vietnamese calendar day (Vietnam keeps no summer
  time): ``VN_DAY.format(col=...)``.
- A văn bản đến belongs to the unit of its lead assignee: the unit itself, or the unit of the
  assigned person. A văn bản đi belongs to the unit of its drafter.
"""

from __future__ import annotations

VN_DAY = "date({col}, '+7 hours')"


def lead_unit(a: str) -> str:
    """SQL: the unit name of the assignee row aliased ``a`` (NULL when the person has none)."""
    return f"CASE {a}.kind WHEN 'unit' THEN {a}.name ELSE {author_unit(a + '.ref')} END"


def author_unit(author: str) -> str:
    """SQL: the unit name of the user named by the column ``author`` (NULL when none)."""
    return f"(SELECT un.name FROM user us JOIN unit un ON un.id = us.unit_id WHERE us.username = {author})"
