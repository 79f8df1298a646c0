"""Intake adapters."""
