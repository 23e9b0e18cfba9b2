"""Surface water: GB 3838-2002 evaluation (quality), the samples repository, section states (sections)."""
