"""Titles and labels of generated documents (map snapshots and atlases)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "snapshot.snapshot": ("{district} 河道与污染源一张图", "{district}: rivers and pollution sources"),
    "snapshot.subdistrict": ("{name} 河道与污染源图", "{name}: rivers and pollution sources"),
    "snapshot.river": ("{name} 沿河排口图", "{name}: outfalls along the river"),
    "snapshot.outfall": ("{code} {name}", "{code} {name}"),
    "snapshot.atlas": ("{district} 图集（按{by}）", "{district} atlas by {by}"),
    "snapshot.by.subdistrict": ("街道/镇", "sub-district"),
    "snapshot.by.river": ("河道", "river"),
    "snapshot.by.outfall": ("排口", "outfall"),
    "outfall_file.main": (" (主要)", " (main)"),
    "outfall_file.rows": (" 条", " rows"),
    "outfall_file.outfall_file": ("入河排污口档案（一口一档）", "Outfall file"),
    "outfall_file.monitoring": ("监测记录", "Monitoring"),
    "outfall_file.workflow_and_edits": ("工作流程与修改记录", "Workflow and edits"),
    "outfall_file.location": ("位置示意图", "Location"),
    "outfall_file.above_the_reference_limit": ("↑ = 高于参考限值", "↑ = above the reference limit"),
    "outfall_file.no_monitoring_yet": ("暂无监测记录", "No monitoring yet"),
    "outfall_file.no_files": ("暂无附件", "No files"),
    "outfall_file.credit_code": ("统一社会信用代码 ", "credit code "),
    "outfall_file.above_reference": ("超过参考限值", "above reference"),
    "outfall_file.reference": ("参考限值", "Reference"),
}
