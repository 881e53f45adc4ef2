"""The application layer: one typed use case per thing a user does (faces call only this)."""
