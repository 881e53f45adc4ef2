"""Reports: per-role views of the store, in Chinese and English."""
