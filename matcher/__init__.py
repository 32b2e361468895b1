"""Pure matching: scenario in, plan out. Imports no web or database library.

The public interface: `matcher.solve.solve(scenario) -> Plan`, `matcher.validate.check_plan`,
and `at_risk(scenario) -> list[AtRisk]` (the committed placements that break a rule now).
"""

from matcher.commitments import at_risk
from matcher.schema import AtRisk

__all__ = ["AtRisk", "at_risk"]
