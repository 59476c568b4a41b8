"""Unit and area fire risk (风险评估): an AHP-style index, snapshots, area risk and warnings."""
