"""Releasing locked land (issue 6): zombie screening, per-mu efficiency, idle-land clocks,
bankruptcy cases with their deadlines, auctions, joint tasks (府院联动), the release
pipeline and the case dossier. Every service takes a ``sqlalchemy.Connection``."""
