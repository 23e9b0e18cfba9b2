"""Error messages of gislib/reports (map pages, 一口一档, the bulletin, the 名录, the ledger spreadsheet)."""

MESSAGES: dict[str, tuple[str, str]] = {
    # the monthly bulletin (gislib/reports/bulletin.py)
    "error.month_unreadable": ("月份「{value}」无法识别; 请写成 2026-10 这样的 年-月", "The month “{value}” cannot be read; write year-month like 2026-10"),
    "error.month_span": ("{first} 至 {last}", "{first} to {last}"),
    "error.month_no_data": ("{month} 没有任何断面的监测数据 (已有月份: {span}); 请选择有数据的月份或先导入该月数据",
                            "{month} has no readings of any section (months with data: {span}); choose a month with data or import that month first"),
    "error.bulletin_format": ("不支持的专报格式「{suffix}」; 请用 .pdf 或 .docx 作为文件扩展名",
                              "The bulletin format “{suffix}” is not supported; end the file name with .pdf or .docx"),
    "error.bulletin_failed": ("专报 {name} 生成失败 ({detail}); 请检查输出路径是否可写",
                              "The bulletin {name} could not be made ({detail}); check that the output path is writable"),
    # the ledger spreadsheet (gislib/reports/ledger.py)
    "error.ledger_suffix": ("输出文件 {name} 的扩展名应为 .xlsx 或 .csv", "The output file {name} should end in .xlsx or .csv"),
    "error.write_file": ("无法写入 {path}（{detail}）：请确认目录存在且可写", "{path} cannot be written ({detail}); check that the folder exists and is writable"),
    "error.frame_crs_missing": ("GeoDataFrame 没有坐标系 (crs 为空)：请先用 gdf.set_crs(...) 设置", "The GeoDataFrame has no coordinate system (crs is None); set it with gdf.set_crs(...) first"),
    # 一口一档 (gislib/reports/outfall_file.py)
    "error.no_outfall_codes": ("没有给出排污口编码：请至少给出一个编码", "No outfall code was given; give at least one code"),
    "error.outfalls_missing": ("没有这些排污口：{codes}；请核对编码（如 PT-0001）", "There are no outfalls {codes}; check the codes (e.g. PT-0001)"),
    # the 名录 (gislib/reports/plot_registry.py)
    "error.registry_pdf_failed": ("名录 PDF 生成失败（{detail}）：请检查地块记录中是否有异常字符",
                                  "The registry PDF could not be made ({detail}); check the plot records for unusual characters"),
    # map pages (gislib/reports/snapshot.py)
    "error.paper": ("不支持纸张「{paper}」；可选 {choices}", "The paper “{paper}” is not supported; use one of {choices}"),
    "error.orientation": ("不支持页面方向「{value}」；请用 landscape（横向）或 portrait（纵向）",
                          "The orientation “{value}” is not supported; use landscape or portrait"),
    "error.dpi": ("dpi {dpi} 超出范围；请用 {low}–{high}", "dpi {dpi} is out of range; use {low}–{high}"),
    "error.extent_empty": ("地图范围 {bounds} 为空；需要 minx < maxx 且 miny < maxy", "The map extent {bounds} is empty; give minx < maxx and miny < maxy"),
    "error.scale_bar_width": ("比例尺需要正的地图宽度；请给出有面积的地图范围", "The scale bar needs a positive map width; give a map extent with an area"),
    "error.basemap_unreadable": ("底图 {path} 无法读取（{detail}）；请运行：python -m gislib basemap",
                                 "The basemap {path} cannot be read ({detail}); run: python -m gislib basemap"),
    "error.write_path": ("无法写入 {path}（{detail}）；请换一个可写的路径", "{path} cannot be written ({detail}); choose a writable path"),
    "error.map_format": ("{path}：未知的输出格式「{suffix}」；文件名请以 .png 或 .pdf 结尾",
                         "{path}: the output format “{suffix}” is not known; end the file name with .png or .pdf"),
}
