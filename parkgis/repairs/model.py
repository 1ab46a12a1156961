"""The planning problem as plain data: candidate works, blocked sites, blocked enquiries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Work:
    """A candidate work: repair a pipe segment, complete or resurface a road segment.

    ``requires``: keys of works that must be done in the same year or earlier (the pipe
    under a road before the road). ``street``: works sharing one street share one
    mobilisation per year (None: the mobilisation is already in ``cost_yuan``).
    """

    key: str
    kind: str  # pipe_repair | road_complete | road_resurface
    code: str
    cost_yuan: float
    risk_reduction: float
    method: str | None = None
    street: str | None = None
    requires: tuple[str, ...] = ()
    pipe_segment_id: int | None = None
    road_segment_id: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Site:
    """A parcel (available or pipeline land) that repairs could make ready.

    It becomes ready when every work of ``all_of`` is done (the blocking pipes on its way
    to the outfall) and, if ``any_of`` is not empty, at least one of them (a road giving
    it frontage).
    """

    parcel_id: int
    plot_no: str
    area_mu: float
    all_of: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class Enquiry:
    """An open investor enquiry none of whose fitting parcels is ready today."""

    id: int
    code: str
    investor: str
    sites: tuple[int, ...]  # parcel ids of Sites that would serve it


@dataclass
class Problem:
    """Everything the optimiser needs; built by :mod:`parkgis.repairs.works`."""

    works: list[Work]
    sites: list[Site] = field(default_factory=list)
    enquiries: list[Enquiry] = field(default_factory=list)
    mobilisation_yuan: float = 0.0
    enquiry_mu_equivalent: float = 0.0

    def unlocked(self, chosen: set[str]) -> tuple[list[Site], list[Enquiry]]:
        """Sites and enquiries made ready by the works ``chosen``."""
        sites = [
            s
            for s in self.sites
            if all(k in chosen for k in s.all_of)
            and (not s.any_of or any(k in chosen for k in s.any_of))
        ]
        ready = {s.parcel_id for s in sites}
        enquiries = [e for e in self.enquiries if ready.intersection(e.sites)]
        return sites, enquiries
