"""The JSON API under /api/v1: personal access tokens, reads and writes
through the same services and permissions as the web pages, problem
documents (RFC 9457) for every refusal, and its OpenAPI description."""
