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
}
