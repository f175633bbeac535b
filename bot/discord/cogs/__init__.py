"""Cogs: each groups one concern's commands and listeners, loaded by `setup`."""
