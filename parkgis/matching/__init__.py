"""Investor-site matching (issue 5): enquiries, candidates, constraints, score, blockers.

Three precomputed relations (postgis/sql/60_matching.sql) do the slow work ahead of any
enquiry: ``logic.site_facts`` (road access, distances, downstream drainage, neighbours:
slow spatial joins, refreshed when geometry or the networks change; imports may call
:func:`refresh_site_facts` afterwards, and a match refreshes stale facts itself),
``logic.parcel_adjacency`` (refreshed with them) and ``logic.site_offer`` (one narrow row
per candidate, rebuilt with the facts and kept current row by row by triggers on
parcels, buildings, units and cases, so everyday edits never force a full refresh).
Each worker holds the offer as numpy columns and follows its changes
(:mod:`parkgis.matching.offer`), so the checks and scores of a match run in memory;
the wide facts, encumbrances and cases are read live for the sites shown.
"""

from parkgis.matching.engine import MatchResult, match, refresh_site_facts
from parkgis.matching.enquiry import Enquiry, validate_enquiry

__all__ = [
    "Enquiry",
    "MatchResult",
    "match",
    "refresh_site_facts",
    "validate_enquiry",
]
