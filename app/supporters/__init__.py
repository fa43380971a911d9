"""supporters domain."""
