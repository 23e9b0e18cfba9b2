"""Error messages of the top-level modules of gislib (config, dataset, district, schemas, units)."""

MESSAGES: dict[str, tuple[str, str]] = {
    # settings (gislib/config.py)
    "error.setting_positive_int": ("{setting}={value} 无效：请填写不小于 1 的整数", "{setting}={value} is not valid; use a whole number of at least 1"),
    "error.setting_not_saved": ("「{key}」不能保存为默认值；可选 {choices}", "“{key}” cannot be saved as a default; use one of {choices}"),
    "error.setting_value": ("{key}={value} 未知；可选 {choices}", "{key}={value} is unknown; use one of {choices}"),
    "error.setting_unknown": ("{setting}={value} 未知；可选 {choices}", "{setting}={value} is unknown; use one of {choices}"),
    "error.setting_megabytes": ("{setting} 必须是整数（单位 MB）", "{setting} must be a whole number of megabytes"),
    # data sets (gislib/dataset.py)
    "error.dataset_unknown": ("{setting}={value} 不是数据集；可选 {choices}", "{setting}={value} is not a data set; use one of {choices}"),
    "error.dataset_not_built": ("数据集「{name}」尚未生成（{path}）；请运行：{command}", "The data set “{name}” is not built yet ({path}); run: {command}"),
    "error.dataset_layer": ("没有图层「{name}」；图层有 {layers}", "There is no layer “{name}”; the layers are {layers}"),
    # district profiles (gislib/district.py)
    "error.districts_unreadable": ("区县配置 {path} 无法读取或格式不对（{detail}）；请检查 gislib/presets/districts.json",
                                   "The district profiles {path} cannot be read or are malformed ({detail}); check gislib/presets/districts.json"),
    "error.dataset_no_district": ("数据集「{dataset}」没有对应的区县配置；请在 gislib/presets/districts.json 中添加，或设置 {setting}",
                                  "The data set “{dataset}” has no district profile; add one to gislib/presets/districts.json, or set {setting}"),
    "error.district_unknown": ("{setting}={value} 不是已配置的区县；可选 {choices}", "{setting}={value} is not a configured district; choose one of {choices}"),
    # import schemas (gislib/schemas.py)
    "error.layer_unknown": ("未知图层「{layer}」。可导入的图层：{layers}。", "The layer “{layer}” is not known; the layers that can be imported are: {layers}."),
    # units (gislib/units.py)
    "error.quantity.water": ("水中浓度", "a concentration in water"),
    "error.quantity.count": ("每体积个数", "a count per volume"),
    "error.quantity.soil": ("土壤含量", "a content in soil"),
    "error.quantity.air": ("空气中浓度", "a concentration in air"),
    "error.unit_unknown": ("列「{column}」的单位「{unit}」无法识别，无法换算为 {standard}；请改用 {units} 之一",
                           "The unit “{unit}” of the column “{column}” is not known and cannot be converted to {standard}; use one of {units}"),
    "error.unit_quantity": ("列「{column}」的单位「{unit}」是{found}单位，不是{wanted}单位，无法换算为 {standard}；请改用 {units} 之一",
                            "The unit “{unit}” of the column “{column}” is for {found}, not {wanted}, and cannot be converted to {standard}; use one of {units}"),
    "error.units_option": ("--units「{part}」应写成 列名=单位，如 汞=µg/L 或 PM10=mg/m3", "--units “{part}” should be column=unit, e.g. 汞=µg/L or PM10=mg/m3"),
    "error.units_option_empty": ("--units「{part}」缺少列名或单位；应写成 列名=单位", "--units “{part}” lacks the column or the unit; write column=unit"),
}
