"""Decisions as pure rules: techniques and the radar, papers, prototypes, criteria
evaluation, gates, cost-benefit, predictions and post-mortems. No I/O here."""
