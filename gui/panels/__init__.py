"""Dockable panels. Each draws from the session's latest data when the window's timer asks."""
