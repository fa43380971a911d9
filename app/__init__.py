"""Lettercast: constituent letter-writing campaigns."""
