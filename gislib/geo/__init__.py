"""Geometry and geography: CRS, the river network and tracing, proximity, IDW, point packing, the basemap."""
