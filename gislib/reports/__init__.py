"""gislib.reports: the documents Hetu prints (snapshot, outfall file, bulletin, 名录) and their one PDF base."""
