"""Organiser workspace pages (HTML edge)."""
