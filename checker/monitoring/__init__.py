"""Monitoring: history per domain, watches, scheduled re-checks and alerts (README "Watching a domain").

Everything here works on stored report dicts (the contract plus docs/report-additions.md);
the engine is only reached through the normal check job.
"""
