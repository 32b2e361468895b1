"""The register's domain services: what each request does, called by thin controllers."""
