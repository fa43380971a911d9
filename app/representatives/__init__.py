"""representatives domain."""
