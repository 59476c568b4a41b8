"""The HTTP API: app factory, authentication, roles and error responses."""
