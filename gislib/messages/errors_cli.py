"""Error messages of cli/ (the ``python -m gislib`` commands): what was wrong with an option or a file and
what to do, in zh and en. ``error.file_not_found`` (errors_io) is shared."""

MESSAGES: dict[str, tuple[str, str]] = {
    # options shared by several commands
    "error.cli_today": ("{option} 的日期「{value}」无法识别：请写成 YYYY-MM-DD",
                        "The date “{value}” of {option} cannot be read; write YYYY-MM-DD"),
    "error.cli_out_suffix": ("{option} 的文件 {file} 扩展名应为 {suffixes}：请改用这种文件名",
                             "The file {file} of {option} should end with {suffixes}; name it so"),
    "error.cli_needs": ("{command} 需要 {options}：请补上后重试", "{command} needs {options}; give them and run it again"),
    "error.cli_or_pair": ("{first} 或 {second}", "{first} or {second}"),
    # users (cli/users.py)
    "error.cli_places_unknown": ("{option}：地图上没有 {names}；可选 {choices}。如确需使用，请加 --allow-unknown-places",
                                 "{option}: {names} are not on the map; use one of {choices}, or pass --allow-unknown-places"),
    "error.cli_passwords_differ": ("两次输入的密码不一致，未做任何修改：请重新运行并输入相同的密码",
                                   "The two passwords differ and nothing was changed; run it again and type the same password twice"),
    # soil-check (cli/soil_check.py)
    "error.cli_background": ("{option}「{value}」应写成 污染物=数值（mg/kg），如 砷=50",
                             "{option} “{value}” should be pollutant=value (mg/kg), e.g. 砷=50"),
    # trace (cli/trace.py)
    "error.cli_points_columns": ("{layer} 表 {file} 需要编码列（{codes}）和经度/纬度列（{lons}；{lats}），现有列：{columns}",
                                 "The {layer} table {file} needs a code column ({codes}) and longitude/latitude columns ({lons}; {lats}); it has {columns}"),
    "error.cli_layer_file_missing": ("{layer} 文件 {file} 不存在：请检查路径", "The {layer} file {file} does not exist; check the path"),
    "error.cli_points_no_code": ("{layer} 文件 {file} 没有编码字段（{codes}）：现有字段 {columns}",
                                 "The {layer} file {file} has no code field ({codes}); its fields are {columns}"),
    "error.cli_no_crs": ("{layer} 文件 {file} 没有坐标参考系：请补上（如 .prj 文件）后重试",
                         "The {layer} file {file} has no coordinate reference system; add one (e.g. a .prj) and retry"),
    "error.cli_dataset_missing": ("数据集不可用（{detail}）：请用 --rivers、--outfalls 和 --sections 给出文件",
                                  "The data set is not available ({detail}); pass --rivers, --outfalls and --sections files"),
    "error.cli_rivers_csv": ("河流必须是线（GeoJSON、GPKG、压缩的 SHP），不能是 CSV：{file}",
                             "Rivers must be lines (GeoJSON, GPKG, zipped SHP), not CSV: {file}"),
    "error.cli_write_failed": ("无法写入 {file}（{detail}）：请检查路径和权限", "Cannot write {file} ({detail}); check the path and permissions"),
    # ledger (cli/ledger.py)
    "error.cli_no_store": ("{folder} 中没有记录库：请用 --data-dir 指定或设置 {setting}",
                           "There is no record store in {folder}; pass --data-dir or set {setting}"),
    # import (cli/import_.py)
    "error.cli_json_unreadable": ("{option} 的文件 {file} 无法读取（{detail}）：应为 JSON 对象",
                                  "The file {file} of {option} cannot be read ({detail}); it should be a JSON object"),
    "error.cli_json_not_object": ("{option} 的文件 {file} 应为 JSON 对象", "The file {file} of {option} should be a JSON object"),
    "error.cli_fill": ("{option}「{value}」应写成 字段=值，例如 --fill type_l2=暂无法确定",
                       "{option} “{value}” should be field=value, e.g. --fill type_l2=暂无法确定"),
    "error.cli_value_map": ("{option} 的文件 {file} 应为 {{\"字段\": {{\"原值\": \"允许值\"}}}}",
                            "The file {file} of {option} should be {{\"field\": {{\"value\": \"allowed value\"}}}}"),
    "error.cli_store_unavailable": ("数据库模块 gislib.store 不可用（{detail}）：可先用 --dry-run --out 检查并导出结果",
                                    "The store module gislib.store is not available ({detail}); check and export with --dry-run --out first"),
    "error.cli_near_duplicates": ("{count} 行与已有点位或文件中前面的行几乎重合（第 {rows} 行）：写入前请逐行决定合并、都保留或跳过（{option} merge|keep|skip）",
                                  "{count} rows nearly coincide with existing points or earlier rows of the file (rows {rows}); decide for each before writing: merge, keep both or skip ({option} merge|keep|skip)"),
    "error.cli_and_more": ("{rows} 等", "{rows} and more"),
    # patrols (cli/patrols.py)
    "error.cli_time": ("{option} 的时间「{value}」无法识别：请写成 HH:MM", "The time “{value}” of {option} cannot be read; write HH:MM"),
    # snapshot (cli/snapshot.py)
    "error.cli_bbox_numbers": ("{option}「{value}」不是 4 个数：请写成 最小经度,最小纬度,最大经度,最大纬度",
                               "{option} “{value}” is not four numbers; give minlon,minlat,maxlon,maxlat"),
    "error.cli_bbox_count": ("{option} 需要 4 个数（最小经度,最小纬度,最大经度,最大纬度），实际 {count} 个",
                             "{option} needs 4 numbers (minlon,minlat,maxlon,maxlat), got {count}"),
    "error.cli_bbox_range": ("{option}「{value}」不是最小值 < 最大值的经纬度范围（WGS84 度）",
                             "{option} “{value}” is not a lon/lat box with min < max (WGS84 degrees)"),
}
