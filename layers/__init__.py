"""layers: one module per map layer (style, tooltip, popup, legend), plus the map composition."""
