"""Pure matching: scenario in, plan out. Imports no web or database library.

The public interface: `matcher.solve.solve(scenario) -> Plan`, `matcher.validate.check_plan`,
and `at_risk(scenario) -> list[AtRisk]` (the committed placements that break a rule now;
`AT_RISK_CODES` maps each stable code to its rule).
"""

from matcher.commitments import AT_RISK_CODES, at_risk
from matcher.schema import AtRisk

__all__ = ["AT_RISK_CODES", "AtRisk", "at_risk"]
