"""Test doubles of the notifier's stores, for its tests and anyone driving its handlers."""
