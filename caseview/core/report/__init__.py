"""The review report: what it is made from (model), its house style, its blocks and story, and the PDF (render).

Importing this package loads reportlab; the app does so only when a report is first asked for.
"""

from .model import HistoryLine, ReportDocument, ReportInput
from .render import WATERMARK_TEXT, RenderedReport, render_report

__all__ = ["HistoryLine", "RenderedReport", "ReportDocument", "ReportInput", "WATERMARK_TEXT", "render_report"]
