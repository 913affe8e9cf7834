"""`cockpit report`: one launch's report, as a self-contained HTML page, Markdown for a
post-mortem, or text for a terminal. `gather()` collects, the renderers format."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

Format = Literal["html", "md", "text"]


def format_for(path: Path | None, explicit: str | None = None) -> Format:
    """The format asked for, else the one the file name says (.html, .md), else text."""
    if explicit:
        return explicit  # type: ignore[return-value]
    suffix = path.suffix.lower() if path is not None else ""
    return "html" if suffix in (".html", ".htm") else "md" if suffix == ".md" else "text"


async def render(config: Any, store: Any, fmt: Format, *, since: float | None = None,
                 engine: Any = None, width: int = 100) -> str:
    from cockpit.report.data import gather
    from cockpit.report.html import render_html
    from cockpit.report.markdown import render_markdown
    from cockpit.report.text import render_text

    data = await gather(config, store, since=since, engine=engine)
    if fmt == "html":
        return render_html(data)
    if fmt == "md":
        return render_markdown(data)
    return render_text(data, width)


async def write_report(config: Any, path: Path, *, store: Any, since: float | None = None,
                       engine: Any = None, fmt: str | None = None) -> Path:
    """Write the report to `path` (format from `fmt`, else its suffix); returns the path."""
    text = await render(config, store, format_for(path, fmt), since=since, engine=engine)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


__all__ = ["format_for", "render", "write_report"]
