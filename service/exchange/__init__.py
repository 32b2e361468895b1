"""The exchange event (Frivilligbørs) in the service: routes, storage, the live board, pages.

All rules come from `events/`; this package stores, scopes and serves.
"""
