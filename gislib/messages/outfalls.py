"""The outfall ledger (排口台账) page."""

MESSAGES: dict[str, tuple[str, str]] = {
    "outfalls.title": ("排口台账", "Outfall ledger"),
    "outfalls.search": ("搜索编码或名称", "Search code or name"),
    "outfalls.overdue_only": ("只看整治逾期", "Overdue remediation only"),
    "outfalls.sort": ("排序", "Sort by"),
    "outfalls.desc": ("倒序", "Descending"),
    "outfalls.all": ("全部", "All"),
    "outfalls.count": ("共 {n} 个排污口 (已撤销的不列出)", "{n} outfalls (removed ones not listed)"),
    "outfalls.progress": (
        "溯源 {traced_pct}%（{traced}/{outfalls}）· 整治完成 {remediated_pct}%（已销号 {remediated}，整治中 {under_remediation}）",
        "Traced {traced_pct}% ({traced}/{outfalls}) · remediation completed {remediated_pct}% (closed/销号 {remediated}, under way {under_remediation})"),
    "outfalls.hint": ("点选一行打开该排污口的一口一档", "Select a row to open the outfall's file"),
    "outfalls.export": ("导出筛选结果", "Export the filtered ledger"),
    "outfalls.pdf": ("生成筛选结果的档案 PDF (最多 {n} 个)", "Outfall-file PDF of the filtered rows (max {n})"),
    "outfalls.pdf_done": ("下载 PDF", "Download PDF"),
    "outfalls.overdue": ("逾期", "Overdue"),
    "outfalls.mark": ("标记", "Mark"),
    "outfalls.page": ('页码', 'Page'),
    "outfalls.pages": ('第 {page} / {pages} 页，每页 {rows} 行（在记录库中排序和筛选）', 'Page {page} of {pages}, {rows} rows a page (sorted and filtered in the store)'),
    "outfalls.writing": ('正在写入 {done}/{total} 行…', 'Writing {done}/{total} rows…'),
    "outfalls.download": ('下载 {kind}', 'Download {kind}'),
}
