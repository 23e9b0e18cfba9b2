"""The map page (一张图) beyond the shared layer and filter names."""

MESSAGES: dict[str, tuple[str, str]] = {
    "mappage.drawer": ("图层筛选", "Layers"),
    "mappage.drawer_help": ("图层开关与筛选（街道、河道、类型、状态）", "Layer switches and filters (sub-district, river, type, state)"),
    "mappage.panel": ("详情", "Details"),
    "mappage.panel_help": ("在地图右侧显示选中要素的详情", "Show the selected feature's details beside the map"),
    "mappage.export": ("导出", "Export"),
    "mappage.export_help": (
        "导出当前视图或全区为 PNG/PDF，或生成图集",
        "Export the current view or the district as PNG/PDF, or an atlas"),
    "mappage.loading": ("正在加载{name}…（{i}/{n}）", "Loading {name}… ({i}/{n})"),
    "mappage.filtering": ("正在按筛选条件更新{name}…（{i}/{n}）", "Applying the filters to {name}… ({i}/{n})"),
    "mappage.capped": (
        "{layer}：显示前 {shown} 个，共 {total} 个；输入更完整的名称或编码可缩小范围",
        "{layer}: showing {shown} of {total}; type more of the name or code to narrow it down"),
    "mappage.found": ("找到 {n} 项", "{n} found"),
    "mappage.search_placeholder": (
        "搜索河道、街道、排口名称或编码，如 桃浦河 / PT-0001",
        "Search a river, sub-district, name or code, e.g. PT-0001"),
    "mappage.zoomed": ("地图已缩放到{layer}：{name}", "Map zoomed to the {layer}: {name}"),
    "mappage.layer.rivers": ("河道", "river"),
    "mappage.layer.subdistricts": ("街道/镇", "sub-district"),
    "mappage.open": ("打开完整档案", "Open the full record"),
    "mappage.value": ("内容", "Value"),
    "mappage.preparing": ("正在准备地图…", "Preparing the map…"),
    "mappage.trace_spinner": ("正在沿河网追溯…", "Tracing along the river network…"),
}
