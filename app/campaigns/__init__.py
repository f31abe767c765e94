"""Qualification campaigns: lifecycle, side grades, harmonisation, history, figures."""
