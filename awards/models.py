"""Standings snapshots, awards and nominations (see campaigns.models for the
award-rule and prize-tier configuration)."""
