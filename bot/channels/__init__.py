"""Channel adapters: raw provider input ↔ `Inbound`, `Reply` → provider call."""
