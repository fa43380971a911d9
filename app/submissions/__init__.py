"""Submissions: a supporter's form becomes their letters and delivery jobs, in one transaction."""
