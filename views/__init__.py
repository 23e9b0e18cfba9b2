"""views: one thin Streamlit module per screen (widgets and calls, no GIS logic)."""
