"""Investor-site matching (issue 5): enquiries, candidates, constraints, score, blockers.

Imports that change parcels, buildings, roads, pipes, inspections, encumbrances or cases
should call :func:`refresh_site_facts` afterwards (a match refreshes stale facts itself).
"""

from parkgis.matching.engine import MatchResult, match, match_features, refresh_site_facts
from parkgis.matching.enquiry import Enquiry, validate_enquiry

__all__ = [
    "Enquiry",
    "MatchResult",
    "match",
    "match_features",
    "refresh_site_facts",
    "validate_enquiry",
]
