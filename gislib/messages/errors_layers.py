"""Error messages of layers/ (the map layers, their printed pages and atlases, layers/snapshot.py):
what was wrong and what to do, in zh and en."""

MESSAGES: dict[str, tuple[str, str]] = {
    # printed map pages and atlases (layers/snapshot.py)
    "error.snapshot_layers": ("未知图层 {unknown}；可选 {layers}", "Unknown layer(s) {unknown}; choose from {layers}"),
    "error.snapshot_format": ("不支持输出格式「{fmt}」：请用 png 或 pdf", "The format “{fmt}” is not supported; use png or pdf"),
    "error.atlas_needs_codes": ("排口图集需要指定放入的排口：请给出 --codes PT-0001,PT-0002（或在应用中选择排口）",
                                "An outfall atlas needs the outfalls to put in it; give --codes PT-0001,PT-0002 (or select outfalls in the app)"),
    "error.atlas_by": ("不支持按「{by}」分页的图集：请用 {choices} 之一", "An atlas by “{by}” is not supported; use one of {choices}"),
    "error.atlas_no_subdistrict": ("没有名为「{name}」的街道/镇：请从 {choices} 中选择",
                                   "There is no sub-district named “{name}”; choose from {choices}"),
    "error.atlas_no_river": ("河道和排口中都没有名为「{name}」的河流：请核对名称",
                             "There is no river named “{name}” in the rivers or outfalls; check the spelling"),
    "error.atlas_no_outfall": ("没有编码为「{code}」的排口：请在排口台账中核对编码",
                               "There is no outfall with the code “{code}”; check the code in the outfall ledger"),
}
