"""The event log: append-only, dedup on (tenant, platform, msg_id), dead letter for rejects."""
