"""Intake of citizen voices from every channel: validate, mask, number, store, hand to routing."""
