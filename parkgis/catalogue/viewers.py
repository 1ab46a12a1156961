"""Which map viewers show a layer, and how: the ``[[viewers]]`` entries of ``layers/*.toml``.

A layer file says, once, on which viewer page (``parkgis.maps``) it is drawn, in which
order, with which title, from which zoom, limited to which rows, with which style preset
and which page filters apply to which of its fields::

    [[viewers]]
    viewer = "promotion"            # the page: promotion (/map), infrastructure
    order = 1                       # place on the page (legend and layer control)
    title = { zh = "可供地块", en = "Land on offer" }
    kind = "land"                   # value of the page's "land or building" filter
    only_flag = { status = "is_public" }   # codes of status's code list with is_public
    filters = { area_mu_min = "area_mu", area_mu_max = "area_mu" }

The viewers check the names (page, filter, style preset) against their own tables; the
catalogue checks that every field named exists in the layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ViewerLayer:
    """One layer drawn on one viewer page."""

    viewer: str
    order: int
    #: Id of the drawn layer on the page (a layer drawn twice needs a second id).
    id: str
    title_zh: str = ""
    title_en: str = ""
    min_zoom: int | None = None
    show: bool = True
    #: Value of the page's land-or-building filter ("land", "building"); empty = none.
    kind: str = ""
    #: Field -> the only codes drawn.
    only: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Field -> a boolean column of its code list: only the codes where it is true.
    only_flag: dict[str, str] = field(default_factory=dict)
    #: Named style of the viewers (e.g. CJJ 36 road condition) instead of the layer's own.
    style: str = ""
    #: Page filter id -> the field of this layer it compares.
    filters: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """The title a person reads on the page (Chinese, then English); empty = the layer's."""
        return " ".join(t for t in (self.title_zh, self.title_en) if t)

    def fields_named(self) -> set[str]:
        """Every layer field this entry names."""
        return {*self.only, *self.only_flag, *self.filters.values()}


def viewer_layer(layer_id: str, raw: dict[str, Any]) -> ViewerLayer:
    """One ``[[viewers]]`` entry of a layer file."""
    title = raw.get("title", {})
    min_zoom = raw.get("min_zoom")
    return ViewerLayer(
        viewer=str(raw["viewer"]),
        order=int(raw.get("order", 0)),
        id=str(raw.get("id", layer_id)),
        title_zh=str(title.get("zh", "")),
        title_en=str(title.get("en", "")),
        min_zoom=None if min_zoom is None else int(min_zoom),
        show=bool(raw.get("show", True)),
        kind=str(raw.get("kind", "")),
        only={str(k): tuple(str(c) for c in v) for k, v in raw.get("only", {}).items()},
        only_flag={str(k): str(v) for k, v in raw.get("only_flag", {}).items()},
        style=str(raw.get("style", "")),
        filters={str(k): str(v) for k, v in raw.get("filters", {}).items()},
    )
