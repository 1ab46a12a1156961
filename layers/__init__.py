"""The layer catalogue: one declarative TOML file per GIS layer (data only)."""
