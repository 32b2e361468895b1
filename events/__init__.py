"""The live exchange event (Frivilligbørs): domain logic; may use matcher."""
