"""gislib.services: rules that hold whatever the store backend (issue 14); ``access`` checks every
read and write against the logged-in user's role and jurisdiction (issue 16)."""
