"""Serving the layers on the web: OGC API Features, vector tiles, role visibility.

The service modules here take a ``sqlalchemy.Connection`` and the caller's role and
return plain data (dicts, bytes, JSON text); ``api.routes.features`` and
``api.routes.tiles`` only translate HTTP. What a role sees comes from the layer
catalogue (``Layer.visible_fields``, ``Layer.rows_for``) and is written into the SQL.
"""
