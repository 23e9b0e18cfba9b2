"""The red/yellow/green list page."""

MESSAGES: dict[str, tuple[str, str]] = {
    "rankings.title": ("红黄绿榜与统计", "Red/yellow/green list and statistics"),
    "rankings.month": ("统计月份", "Month"),
    "rankings.summary": ("红榜 {r} 个 · 黄榜 {y} 个 · 绿榜 {g} 个", "{r} red · {y} yellow · {g} green"),
    "rankings.chart": ("各街镇问题统计", "Problems per sub-district"),
    "rankings.trend": ("全区逐月趋势", "District, month by month"),
    "rankings.excel": ("下载 Excel", "Download Excel"),
    "rankings.pdf": ("下载 PDF 月报", "Download PDF report"),
    "rankings.rules": ("评定规则", "How the colours are given"),
    "rankings.found": ("发现问题", "Found"),
    "rankings.closed_on_time": ("按期销号", "Closed on time"),
    "rankings.overdue": ("逾期", "Overdue"),
    "rankings.overdue_month_end": ("逾期(月末)", "Overdue (month end)"),
    "rankings.file": ("红黄绿榜_{month}", "ranking_{month}"),
}
