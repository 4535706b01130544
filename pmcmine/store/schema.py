"""The corpus schema (store/schema.sql) as text, importable without DuckDB."""

from importlib import resources

SCHEMA_SQL = resources.files("pmcmine.store").joinpath("schema.sql").read_text()
