"""gislib.patrols: 巡河: river chiefs, their patrol tracks, stretches covered and frequency.

``tracks``: read GPX (gpxpy), KML/KMZ and tapped points; ``coverage``: match tracks to the river
network; ``repo``: chiefs and patrols in the store's tables; ``frequency``: patrols against the rule.
"""
