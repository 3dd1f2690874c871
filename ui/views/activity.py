"""Pattern of contact, drawn with QPainter: events per local day stacked by sender (the
activity strip) and a weekday x hour heat map for one sender. Both name the zone their days
and hours are in, and export to PNG and PDF with a title line naming the case's zone.

The numbers come from `app.timeline.activity` (the caller computes them off the UI thread
and hands them over with `set_data`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCore import QEvent, QMarginsF, QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QHelpEvent,
    QImage,
    QMouseEvent,
    QPageLayout,
    QPageSize,
    QPainter,
    QPaintEvent,
    QPalette,
    QPdfWriter,
)
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QToolTip, QVBoxLayout, QWidget

from app.people import ParticipantRow
from app.timeline.activity import WEEKDAYS, DayCount, HeatMap

log = logging.getLogger(__name__)

# Okabe-Ito: told apart with the common colour-vision deficiencies. The last is for "others".
SENDER_COLOURS = (
    QColor("#0072B2"),
    QColor("#E69F00"),
    QColor("#009E73"),
    QColor("#CC79A7"),
    QColor("#56B4E9"),
)
OTHERS_COLOUR = QColor("#999999")
OTHERS = "Others"
STRIP_HEIGHT = 90
HEAT_HIGH = QColor("#08306b")  # the busiest cell; empty cells are the background
EXPORT_WIDTH = 1600


@dataclass(frozen=True, slots=True)
class _Colours:
    """What a chart is painted with: the widget's palette on screen, black on white in files."""

    background: QColor
    text: QColor
    muted: QColor
    grid: QColor

    @classmethod
    def of(cls, palette: QPalette) -> _Colours:
        """The colours of a widget's palette."""
        text = palette.color(QPalette.ColorRole.WindowText)
        muted = QColor(text)
        muted.setAlpha(170)
        grid = QColor(text)
        grid.setAlpha(40)
        return cls(palette.color(QPalette.ColorRole.Base), text, muted, grid)


PRINT = _Colours(QColor("white"), QColor("black"), QColor("#595959"), QColor("#d9d9d9"))

Painter = Callable[[QPainter, QRectF, _Colours], None]


def _title_font(base: QFont) -> QFont:
    font = QFont(base)
    font.setBold(True)
    font.setPointSizeF(base.pointSizeF() * 1.2 if base.pointSizeF() > 0 else 11)
    return font


def export_png(path: str | Path, title: str, paint: Painter, aspect: float, font: QFont) -> bool:
    """Draw a chart under a title line into a PNG `EXPORT_WIDTH` wide; False if not written."""
    title_h = 48
    height = int(EXPORT_WIDTH * aspect) + title_h
    image = QImage(EXPORT_WIDTH, height, QImage.Format.Format_ARGB32)
    image.fill(PRINT.background)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        f = QFont(font)
        f.setPixelSize(16)
        painter.setFont(_title_font(f))
        painter.setPen(PRINT.text)
        painter.drawText(
            QRectF(16, 0, EXPORT_WIDTH - 32, title_h), Qt.AlignmentFlag.AlignVCenter, title
        )
        painter.setFont(f)
        paint(painter, QRectF(16, title_h, EXPORT_WIDTH - 32, height - title_h - 12), PRINT)
    finally:
        painter.end()
    return bool(image.save(str(path), "PNG"))  # type: ignore[call-overload]


def export_pdf(path: str | Path, title: str, paint: Painter, aspect: float, font: QFont) -> None:
    """Draw a chart under a title line on one landscape A4 page of a PDF."""
    writer = QPdfWriter(str(path))
    writer.setTitle(title)
    writer.setCreator("Threadline")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Landscape,
            QMarginsF(12, 12, 12, 12),
            QPageLayout.Unit.Millimeter,
        )
    )
    writer.setResolution(150)
    painter = QPainter(writer)
    try:
        page = QRectF(painter.viewport())
        # Draw at a screen-like scale so fonts and lines keep their proportions.
        scale = page.width() / EXPORT_WIDTH
        painter.scale(scale, scale)
        width = EXPORT_WIDTH
        title_h = 48
        chart_h = min(width * aspect, page.height() / scale - title_h)
        f = QFont(font)
        f.setPixelSize(16)
        painter.setFont(_title_font(f))
        painter.setPen(PRINT.text)
        painter.drawText(QRectF(0, 0, width, title_h), Qt.AlignmentFlag.AlignVCenter, title)
        painter.setFont(f)
        paint(painter, QRectF(0, title_h, width, chart_h), PRINT)
    finally:
        painter.end()


# -- the activity strip --------------------------------------------------------------------


def _stack_labels(days: Sequence[DayCount], keep: int) -> list[str]:
    """The senders with a colour of their own, most active first; the rest are "Others"."""
    totals: dict[str, int] = {}
    for d in days:
        for label, n in d.counts:
            totals[label] = totals.get(label, 0) + n
    order = sorted(totals, key=lambda k: (-totals[k], k))
    if len(order) <= keep:
        return order
    return [*order[: keep - 1], OTHERS]


class _Chart(QWidget):
    """A chart painted by `paint_chart` on the palette's background, with hover text."""

    def paint_chart(self, p: QPainter, rect: QRectF, colours: _Colours) -> None:
        raise NotImplementedError

    def tooltip_at(self, pos: QPoint) -> str:
        """What to say about the point under the pointer ('' for nothing)."""
        raise NotImplementedError

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        try:
            colours = _Colours.of(self.palette())
            p.fillRect(self.rect(), colours.background)
            self.paint_chart(p, QRectF(self.rect()), colours)
        finally:
            p.end()

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.ToolTip and isinstance(e, QHelpEvent):
            text = self.tooltip_at(e.pos())
            if text:
                QToolTip.showText(e.globalPos(), text, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(e)


class ActivityStrip(_Chart):
    """Events per local day as bars stacked by sender; click a day, or drag across days."""

    day_clicked = Signal(object)  # datetime.date
    range_selected = Signal(object, object)  # first and last datetime.date, inclusive

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._days: list[DayCount] = []
        self._zone = "UTC"
        self._case_zone = "UTC"
        self._labels: list[str] = []
        self._press: date | None = None
        self._drag: tuple[date, date] | None = None
        self.setFixedHeight(STRIP_HEIGHT)
        self.setMinimumWidth(240)
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setToolTip("")  # tooltips come from event(): the day under the pointer

    # data

    def set_data(self, days: Sequence[DayCount], zone: str, case_zone: str | None = None) -> None:
        """Show per-day counts (from `activity_per_day`, ideally with fill=True) in `zone`."""
        self._days = list(days)
        self._zone = zone
        self._case_zone = case_zone or zone
        self._labels = _stack_labels(self._days, len(SENDER_COLOURS) + 1)
        self._drag = None
        self.update()

    @property
    def days(self) -> list[DayCount]:
        """The days shown."""
        return list(self._days)

    def zone_caption(self) -> str:
        """The line naming the zone of the days, and the first and last day."""
        if not self._days:
            return f"Days in {self._zone}"
        first, last = self._days[0].day, self._days[-1].day
        span = f"{first:%d %b %Y}" if first == last else f"{first:%d %b} – {last:%d %b %Y}"
        return f"Days in {self._zone} · {span}"

    def legend(self) -> list[tuple[str, QColor]]:
        """Each stacked sender and its colour."""
        return [(label, self._colour(label)) for label in self._labels]

    def _colour(self, label: str) -> QColor:
        if label == OTHERS:
            return OTHERS_COLOUR
        i = self._labels.index(label)
        return SENDER_COLOURS[i] if i < len(SENDER_COLOURS) else OTHERS_COLOUR

    def _stack(self, day: DayCount) -> list[tuple[str, int]]:
        """A day's counts per coloured label, "Others" summed, in legend order."""
        coloured = set(self._labels) - {OTHERS}
        per: dict[str, int] = {}
        for label, n in day.counts:
            key = label if label in coloured else OTHERS
            per[key] = per.get(key, 0) + n
        return [(k, per[k]) for k in self._labels if per.get(k)]

    # geometry

    def _header_height(self) -> int:
        return self.fontMetrics().height() + 6

    def _bars_rect(self, rect: QRectF | None = None, header: float | None = None) -> QRectF:
        r = rect if rect is not None else QRectF(self.rect())
        h = header if header is not None else self._header_height()
        return r.adjusted(4, h, -4, -3)

    def day_rect(self, index: int) -> QRect:
        """Where the bar of the day at `index` is drawn on screen (the full column)."""
        bars = self._bars_rect()
        n = max(1, len(self._days))
        x0 = bars.left() + bars.width() * index / n
        x1 = bars.left() + bars.width() * (index + 1) / n
        return QRectF(x0, bars.top(), x1 - x0, bars.height()).toRect()

    def day_at(self, pos: QPoint) -> date | None:
        """The day under a point of the widget, or None."""
        bars = self._bars_rect()
        if not self._days or not bars.adjusted(0, -bars.top(), 0, 3).contains(pos.toPointF()):
            return None
        i = int((pos.x() - bars.left()) * len(self._days) / bars.width())
        return self._days[max(0, min(i, len(self._days) - 1))].day

    def tooltip_at(self, pos: QPoint) -> str:
        """The counts of the day under a point, as the tooltip shows them."""
        day = self.day_at(pos)
        if day is None:
            return ""
        found = next(d for d in self._days if d.day == day)
        lines = [f"{day:%a %d %b %Y} ({self._zone}): {found.total} events"]
        lines += [f"  {label}: {n}" for label, n in self._stack(found)]
        return "\n".join(lines)

    # painting

    def paint_chart(self, p: QPainter, rect: QRectF, colours: _Colours) -> None:
        """Draw the zone, the legend and the bars into `rect`."""
        fm = p.fontMetrics()
        header = fm.height() + 6
        p.setPen(colours.muted)
        p.drawText(
            QRectF(rect.left() + 4, rect.top(), rect.width() - 8, header),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self.zone_caption(),
        )
        # The legend, right-aligned on the same line: a swatch then the name; the names that
        # would run into the caption are left out (the first, busiest senders stay).
        caption_end = rect.left() + 4 + fm.horizontalAdvance(self.zone_caption()) + 12
        x = rect.right() - 4
        sw = fm.height() * 0.7
        entries = self.legend()
        widths = [fm.horizontalAdvance(label) + sw + 16 for label, _ in entries]
        while entries and x - sum(widths) < caption_end:
            entries, widths = entries[:-1], widths[:-1]
        for label, colour in reversed(entries):
            w = fm.horizontalAdvance(label)
            x -= w
            p.setPen(colours.text)
            p.drawText(QRectF(x, rect.top(), w + 2, header), Qt.AlignmentFlag.AlignVCenter, label)
            x -= sw + 4
            p.fillRect(QRectF(x, rect.top() + (header - sw) / 2, sw, sw), colour)
            x -= 12
        bars = self._bars_rect(rect, header)
        p.setPen(colours.grid)
        p.drawLine(bars.bottomLeft(), bars.bottomRight())
        if not self._days:
            p.setPen(colours.muted)
            p.drawText(bars, Qt.AlignmentFlag.AlignCenter, "No events")
            return
        top = max(d.total for d in self._days) or 1
        n = len(self._days)
        slot = bars.width() / n
        gap = 1.0 if slot > 4 else 0.0
        for i, d in enumerate(self._days):
            x0 = bars.left() + slot * i
            if self._drag and self._drag[0] <= d.day <= self._drag[1]:
                p.fillRect(QRectF(x0, bars.top(), slot, bars.height()), colours.grid)
            y = bars.bottom()
            for label, count in self._stack(d):
                h = bars.height() * count / top
                p.fillRect(
                    QRectF(x0 + gap / 2, y - h, max(slot - gap, 1.0), h), self._colour(label)
                )
                y -= h

    # the mouse

    def mousePressEvent(self, e: QMouseEvent) -> None:
        if e.button() == Qt.MouseButton.LeftButton:
            self._press = self.day_at(e.position().toPoint())
            self._drag = None
        super().mousePressEvent(e)

    def mouseMoveEvent(self, e: QMouseEvent) -> None:
        if self._press is not None and e.buttons() & Qt.MouseButton.LeftButton:
            here = self.day_at(e.position().toPoint())
            if here is not None:
                self._drag = (min(self._press, here), max(self._press, here))
                self.update()
        super().mouseMoveEvent(e)

    def mouseReleaseEvent(self, e: QMouseEvent) -> None:
        if e.button() == Qt.MouseButton.LeftButton and self._press is not None:
            here = self.day_at(e.position().toPoint()) or self._press
            start, end = min(self._press, here), max(self._press, here)
            self._press = None
            self._drag = None
            self.update()
            if start == end:
                self.day_clicked.emit(start)
            else:
                self.range_selected.emit(start, end)
        super().mouseReleaseEvent(e)

    # files

    def export_title(self) -> str:
        """The title line of an exported chart."""
        return f"Events per day — days in {self._zone} (case zone {self._case_zone})"

    def export_png(self, path: str | Path) -> bool:
        """Write the chart to a PNG under a title naming the zone; False if not written."""
        return export_png(path, self.export_title(), self.paint_chart, 0.16, self.font())

    def export_pdf(self, path: str | Path) -> None:
        """Write the chart to a one-page PDF under a title naming the zone."""
        export_pdf(path, self.export_title(), self.paint_chart, 0.16, self.font())


# -- the weekday x hour map -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sender:
    """A choice of the heat map's sender: a person (all accounts) or one participant."""

    label: str
    participant_id: int | None = None
    person_id: int | None = None


def _shade(background: QColor, count: int, top: int) -> QColor:
    """A cell's colour: the background when empty, towards HEAT_HIGH as the count grows."""
    if count <= 0 or top <= 0:
        return background
    # Square root, so a handful of messages still shows against a busy hour; at least 18 %.
    t = 0.18 + 0.82 * (count / top) ** 0.5
    return QColor(
        round(background.red() + (HEAT_HIGH.red() - background.red()) * t),
        round(background.green() + (HEAT_HIGH.green() - background.green()) * t),
        round(background.blue() + (HEAT_HIGH.blue() - background.blue()) * t),
    )


class HeatCanvas(_Chart):
    """The 7 x 24 grid itself, with hour and weekday labels; the count of a cell on hover."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heat: HeatMap | None = None
        self.caption = ""
        self.setMouseTracking(True)
        self.setMinimumSize(QSize(480, 200))

    def sizeHint(self) -> QSize:
        return QSize(760, 260)

    def _layout(
        self, rect: QRectF, fm_height: float, label_w: float
    ) -> tuple[QRectF, float, float]:
        grid = rect.adjusted(label_w + 8, fm_height + 8, -4, -(fm_height + 8))
        return grid, grid.width() / 24, grid.height() / 7

    def _geometry(self) -> tuple[QRectF, float, float]:
        fm = self.fontMetrics()
        label_w = max(fm.horizontalAdvance(d) for d in WEEKDAYS)
        return self._layout(QRectF(self.rect()), fm.height(), label_w)

    def cell_rect(self, weekday: int, hour: int) -> QRect:
        """Where a cell is drawn on screen."""
        grid, cw, ch = self._geometry()
        return QRectF(grid.left() + hour * cw, grid.top() + weekday * ch, cw, ch).toRect()

    def cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        """The (weekday, hour) under a point, or None."""
        grid, cw, ch = self._geometry()
        if not grid.contains(pos.toPointF()):
            return None
        return (
            min(6, int((pos.y() - grid.top()) / ch)),
            min(23, int((pos.x() - grid.left()) / cw)),
        )

    def cell_text(self, weekday: int, hour: int) -> str:
        """What hovering a cell says."""
        n = self.heat.cell(weekday, hour) if self.heat is not None else 0
        zone = self.heat.zone if self.heat is not None else ""
        return (
            f"{WEEKDAYS[weekday]} {hour:02d}:00–{hour:02d}:59 ({zone}): "
            f"{n} event{'s' if n != 1 else ''}"
        )

    def paint_chart(self, p: QPainter, rect: QRectF, colours: _Colours) -> None:
        """Draw the zone line, hour labels, weekday labels and the shaded cells into `rect`."""
        fm = p.fontMetrics()
        label_w = max(fm.horizontalAdvance(d) for d in WEEKDAYS)
        grid, cw, ch = self._layout(rect, fm.height(), label_w)
        p.setPen(colours.muted)
        p.drawText(
            QRectF(rect.left(), grid.bottom() + 4, rect.width(), fm.height() + 4),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self.caption,
        )
        p.setPen(colours.text)
        # Every other hour when the columns are too narrow for two digits side by side.
        step = 1 if cw >= fm.horizontalAdvance("00") + 4 else 2
        for h in range(0, 24, step):
            p.drawText(
                QRectF(grid.left() + h * cw, rect.top(), cw, fm.height() + 6),
                Qt.AlignmentFlag.AlignCenter,
                str(h),
            )
        for w, name in enumerate(WEEKDAYS):
            p.drawText(
                QRectF(rect.left(), grid.top() + w * ch, label_w + 4, ch),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                name,
            )
        heat = self.heat
        top = max((max(row) for row in heat.counts), default=0) if heat is not None else 0
        for w in range(7):
            for h in range(24):
                n = heat.cell(w, h) if heat is not None else 0
                cell = QRectF(grid.left() + h * cw, grid.top() + w * ch, cw, ch)
                p.fillRect(cell.adjusted(1, 1, -1, -1), _shade(colours.background, n, top))
        p.setPen(colours.grid)
        p.drawRect(grid)
        for h in (6, 12, 18):  # quarter-day rules help find the hours at a glance
            x = grid.left() + h * cw
            p.drawLine(QPointF(x, grid.top()), QPointF(x, grid.bottom()))

    def tooltip_at(self, pos: QPoint) -> str:
        """The count of the cell under the pointer, or '' between cells."""
        cell = self.cell_at(pos)
        return self.cell_text(*cell) if cell is not None else ""


class HeatMapView(QWidget):
    """A weekday x hour map of one sender's events, the sender chosen in a combo."""

    sender_chosen = Signal(object)  # Sender: the caller computes its heat map and set_data()s

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._case_zone = "UTC"
        self.combo = QComboBox(self)
        self.combo.setAccessibleName("Sender")
        self.canvas = HeatCanvas(self)
        label = QLabel("&Sender:", self)
        label.setBuddy(self.combo)
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.combo, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.canvas, 1)
        self.combo.currentIndexChanged.connect(self._chosen)

    def set_senders(self, senders: Sequence[Sender], current: int = 0) -> None:
        """Fill the combo; does not emit `sender_chosen`."""
        self.combo.blockSignals(True)
        try:
            self.combo.clear()
            for s in senders:
                self.combo.addItem(s.label, s)
            if senders:
                self.combo.setCurrentIndex(max(0, min(current, len(senders) - 1)))
        finally:
            self.combo.blockSignals(False)

    def current_sender(self) -> Sender | None:
        """The sender chosen in the combo."""
        data = self.combo.currentData()
        return data if isinstance(data, Sender) else None

    def select_sender(self, label: str) -> bool:
        """Choose a sender by its label (emits `sender_chosen`); False when there is none."""
        i = self.combo.findText(label)
        if i < 0:
            return False
        if i == self.combo.currentIndex():
            self._chosen(i)
        else:
            self.combo.setCurrentIndex(i)
        return True

    def _chosen(self, index: int) -> None:
        sender = self.current_sender()
        if sender is not None:
            self.sender_chosen.emit(sender)

    def set_data(self, heat: HeatMap, case_zone: str | None = None) -> None:
        """Show a heat map (from `heat_map`) for the sender chosen."""
        self._case_zone = case_zone or heat.zone
        self.canvas.heat = heat
        self.canvas.caption = f"Hours in {heat.zone} · {heat.total} events"
        self.canvas.update()

    def cell_text(self, weekday: int, hour: int) -> str:
        """What hovering a cell says."""
        return self.canvas.cell_text(weekday, hour)

    def export_title(self) -> str:
        """The title line of an exported map."""
        sender = self.current_sender()
        who = sender.label if sender is not None else "all senders"
        zone = self.canvas.heat.zone if self.canvas.heat is not None else self._case_zone
        return f"Events by weekday and hour — {who} — hours in {zone} (case zone {self._case_zone})"

    def export_png(self, path: str | Path) -> bool:
        """Write the map to a PNG under a title naming the zone; False if not written."""
        return export_png(path, self.export_title(), self.canvas.paint_chart, 0.36, self.font())

    def export_pdf(self, path: str | Path) -> None:
        """Write the map to a one-page PDF under a title naming the zone."""
        export_pdf(path, self.export_title(), self.canvas.paint_chart, 0.36, self.font())


def senders_of(rows: Sequence[ParticipantRow]) -> list[Sender]:
    """The heat map's choices: each person (all accounts), then each unlinked author.

    Most items first; an account's source is added to its name only when two share a name.
    """
    persons: dict[int, tuple[str, int]] = {}
    loose: list[ParticipantRow] = []
    for r in rows:
        if r.person_id is not None:
            name, n = persons.get(r.person_id, (r.person_name, 0))
            persons[r.person_id] = (name, n + r.items)
        elif r.items:
            loose.append(r)
    names = [r.name or r.handle or r.phone for r in loose]
    out = [
        (n, Sender(name or "Unnamed person", person_id=pid)) for pid, (name, n) in persons.items()
    ]
    for r, name in zip(loose, names, strict=True):
        label = name if names.count(name) == 1 else f"{name} ({r.source_name})"
        out.append((r.items, Sender(label, participant_id=r.id)))
    return [s for _, s in sorted(out, key=lambda ns: (-ns[0], ns[1].label.casefold()))]
