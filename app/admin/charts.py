"""Geometry of the inline SVG charts: histograms with labelled axes, and bars.

The pages allow no inline styles (Content-Security-Policy), so every bar is
an SVG shape sized by attributes; the templates only place what is computed here.
"""

from dataclasses import dataclass

from app.admin import bp
from app.services.distribution_folds import Bin

# The histogram's drawing box, in SVG units (the SVG scales to its box).
WIDTH, HEIGHT = 360, 170
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 10, 42  # margins: axis labels and titles
MAX_TICKS = 7  # x labels drawn at most; every bar keeps its own tooltip


def stat(number: float) -> str:
    """A statistic to four significant digits."""
    return f"{number:.4g}"


def tick(number: float) -> str:
    """An axis label to three significant digits."""
    return f"{number:.3g}"


@dataclass(frozen=True)
class Bar:
    """A bar of a histogram, placed, with what it counts."""

    x: float
    y: float
    width: float
    height: float
    count: int
    label: str  # what the bar counts, for its tooltip and the chart's description


@dataclass(frozen=True)
class Tick:
    """A label under the x axis."""

    x: float
    text: str


@dataclass(frozen=True)
class Histogram:
    """A histogram ready to draw: its box, axes, bars and labels."""

    width: int
    height: int
    left: int
    bottom: float  # y of the x axis
    right: float  # x where the axis ends
    top_count: int
    bars: list[Bar]
    ticks: list[Tick]

    @property
    def description(self) -> str:
        """Every bar in words, for screen readers."""
        return "; ".join(f"{bar.label}: {bar.count}" for bar in self.bars)


def _bar_label(bin_: Bin, last: bool) -> str:
    if bin_.whole or bin_.low == bin_.high:
        return stat(bin_.low)
    closing = "]" if last else ")"
    return f"[{stat(bin_.low)}, {stat(bin_.high)}{closing}"


@bp.app_template_global("histogram_chart")
def histogram_chart(bins: list[Bin]) -> Histogram | None:
    """Bars and axis labels for a histogram, or None when there is nothing to draw."""
    if not bins:
        return None
    top = max(bin_.count for bin_ in bins)
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    step = plot_width / len(bins)
    gap = min(2.0, step * 0.15)
    bars = []
    for index, bin_ in enumerate(bins):
        height = (bin_.count / top * plot_height) if top else 0.0
        bars.append(
            Bar(
                round(LEFT + index * step + gap / 2, 1),
                round(TOP + plot_height - height, 1),
                round(step - gap, 1),
                round(height, 1),
                bin_.count,
                _bar_label(bin_, index == len(bins) - 1),
            )
        )
    ticks: list[Tick] = []
    if bins[0].whole:
        every = max(1, -(-len(bins) // MAX_TICKS))
        ticks = [
            Tick(round(LEFT + (index + 0.5) * step, 1), tick(bin_.low))
            for index, bin_ in enumerate(bins)
            if index % every == 0
        ]
    else:
        edges = [bins[0].low] + [bin_.high for bin_ in bins]
        every = max(1, -(-len(bins) // (MAX_TICKS - 1)))
        ticks = [
            Tick(round(LEFT + index * step, 1), tick(edge))
            for index, edge in enumerate(edges)
            if index % every == 0 or index == len(bins)
        ]
    return Histogram(WIDTH, HEIGHT, LEFT, TOP + plot_height, WIDTH - RIGHT, top, bars, ticks)


@bp.app_template_global("bar_width")
def bar_width(count: int, top: int, full: float = 100.0) -> float:
    """The length of a bar for count when top fills `full` units."""
    return round(count / top * full, 1) if top else 0.0
