"""Rules that hold whatever the store backend: the outfall workflow, the map's record catalog."""
