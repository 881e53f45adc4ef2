"""The application layer: one typed use case per thing a user does; faces (CLI, HTTP) call only this."""
