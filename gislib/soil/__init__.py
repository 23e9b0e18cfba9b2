"""Soil: GB 36600-2018 screening and intervention values and background values (gb36600)."""
