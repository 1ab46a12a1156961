"""The staff workspace (工作台): labelled data for the staff pages, in words.

- :mod:`parkgis.workspace.home`: what a signed-in user must do today (``/staff``);
- :mod:`parkgis.workspace.cases`: the court's case list and case page (``/staff/cases``).

Pages (``api/pages``) render what these return and never format a value themselves.
"""

from parkgis.workspace.home import Item, Section, staff_home, user_card

__all__ = ["Item", "Section", "staff_home", "user_card"]
