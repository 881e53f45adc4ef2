"""The application layer: one typed use case per thing a user does (pydantic models in and out;
the faces call only this)."""
