"""The Litestar service, persistence and the `samspill` command line."""
