"""gislib.problems: 问题闭环: problems found on the map, assigned, fixed, verified and closed.

``model``: categories, sources, states and rules; ``service``: the steps (create, assign, …);
``locate``: sub-district and river stretch of a point; ``rankings``: per sub-district and month;
``batches``: 整改任务清单 (Excel in/out, PDF report); ``config``: the configurable rules.
"""
