"""Audience authenticity."""
