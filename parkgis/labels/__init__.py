"""Words, not codes: everything a person reads is formatted here.

- :mod:`parkgis.labels.format`: money (元, 万元), areas (亩 and m²), dates as people write
  them (2026年12月3日), numbers with separators, and the word for a missing value.
- :mod:`parkgis.labels.codes`: labels of the code lists (the code tables of the database),
  Chinese first with English available.

Pages, documents (PDF, XLSX), popups, CLI tables and notebook charts all go through this
package; nothing else formats a value for a person.
"""
