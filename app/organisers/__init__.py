"""organisers domain."""
