"""Running the service: what an orchestrator asks before sending traffic (readiness)."""
