"""Construction dust: the exceedance rule (rule) and officers' uploaded readings (readings)."""
