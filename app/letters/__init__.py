"""letters domain."""
