"""Pure matching: scenario in, plan out. Imports no web or database library."""
