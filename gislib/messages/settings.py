"""The settings page."""

MESSAGES: dict[str, tuple[str, str]] = {
    "settings.basemap.offline": ("离线底图（内置，默认）", "Offline basemap (built in, default)"),
    "settings.basemap.osm": ("OpenStreetMap 在线瓦片（需互联网）", "OpenStreetMap online tiles (internet)"),
    "settings.basemap.tianditu": ("天地图（需互联网和 tk 密钥）", "Tianditu (internet and a tk key)"),
    "settings.basemap.amap": ("高德地图（GCJ-02，需互联网；数据将偏移显示）", "Amap (GCJ-02, internet; data shifted for display)"),
    "settings.title": ("设置", "Settings"),
    "settings.basemap": ("底图", "Basemap"),
    "settings.as_default": ("同时保存为所有用户的默认底图", "Also save as everyone's default basemap"),
    "settings.as_default_help": (
        "写入数据目录中的 settings.json；不勾选则只对本次会话生效。",
        "Written to settings.json in the data directory; otherwise it applies to this session only."),
    "settings.apply": ("应用", "Apply"),
    "settings.applied": ("已应用：{name}。地图页将使用此底图。", "Applied: {name}. The map page now uses this basemap."),
    "settings.saved": ("已保存为默认底图（{path}）。", "Saved as the default basemap ({path})."),
    "settings.no_key": (
        "未配置天地图密钥：请设置环境变量 HETU_TIANDITU_KEY；在此之前地图使用离线底图。",
        "No Tianditu key: set HETU_TIANDITU_KEY; the map uses the offline basemap until then."),
    "settings.amap": (
        "高德底图使用 GCJ-02 坐标：地图上的要素已由 WGS84 转为 GCJ-02 显示，存储的数据不变。",
        "Amap tiles are in GCJ-02: features are shifted from WGS84 for display only; stored data is unchanged."),
    "settings.in_use": ("当前使用", "In use"),
    "settings.dataset": ("数据集与配置", "Data set and configuration"),
    "settings.item": ("项目", "Item"),
    "settings.value": ("值", "Value"),
    "settings.yes": ("是", "yes"),
    "settings.no": ("否", "no"),
    "settings.set": ("已设置", "set"),
    "settings.not_set": ("未设置", "not set"),
    "settings.row.dataset": ("数据集 (HETU_DATASET)", "Data set (HETU_DATASET)"),
    "settings.row.file": ("数据文件", "Data file"),
    "settings.row.cog": ("底图 COG", "Basemap COG"),
    "settings.row.tiles": ("离线瓦片已生成", "Offline tiles ready"),
    "settings.row.data_dir": ("数据目录 (HETU_DATA_DIR)", "Data directory (HETU_DATA_DIR)"),
    "settings.row.key": ("天地图密钥 (HETU_TIANDITU_KEY)", "Tianditu key (HETU_TIANDITU_KEY)"),
    "settings.row.default": ("默认底图", "Default basemap"),
}
