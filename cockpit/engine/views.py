"""The engine's typed views: what each pane draws, built from what the engine holds.
"""

from __future__ import annotations

from cockpit.views import ChecklistRow, ChecklistView, ReadingsView, VerdictView, View, ViewContext


class EngineViews:
    """One typed view per source, the checklist and the verdict (self: Engine)."""

    # ------------------------------------------------------------ views (what panes draw)

    def source_names(self) -> list[str]:
        return [s.name for s in self.sources]

    def view(self, source_name: str) -> View | None:
        """The typed view of one source (None: no such source). Built from what the engine
        holds and, when the source has `view(ctx)`, what only the source knows."""
        source = next((s for s in self.sources if s.name == source_name), None)
        if source is None:
            return None
        ctx = ViewContext(source_name, self.source_status(source_name), self.clock(),
                          dict(self._readings_of.get(source_name, {})), self.history)
        make = getattr(source, "view", None)
        if make is None:
            return ReadingsView(ctx.source, ctx.status, ctx.at, ctx.readings)
        return make(ctx)

    def checklist_view(self) -> ChecklistView:
        """The checklist with every item's state and the age of its live signals."""
        states = self.item_states()
        at = self.clock()
        sections = []
        for section in self.checklist.sections:
            rows = []
            for item in section.items:
                age = None
                if item.gate is not None:
                    ages = [r.age(at) for n in item.gate.names()
                            if (r := self.readings.get(n)) is not None]
                    age = max(ages) if ages else None
                rows.append(ChecklistRow(section.title, item.id, item.text, item.depth,
                                         item.required, item.auto, item.owner,
                                         states.get(item.id), age))
            sections.append((section.title, tuple(rows)))
        return ChecklistView(self.checklist.title, tuple(sections), at)

    def verdict_view(self) -> VerdictView:
        names = {item.id: item.text for item in self.checklist.items()}
        return VerdictView(self.verdict, str(self.config.launch or ""), names,
                           self.config.window_opens, self.started_at, self.clock(),
                           watchers=tuple(self.watchers()), team_status=self.team_status(),
                           release=self._running_text())

    def _running_text(self) -> str:
        source = next((s for s in self.sources if s.name == "release"), None)
        if source is None:
            return ""
        from cockpit.sources.release import running_text  # noqa: PLC0415

        return running_text(self._readings_of.get("release", {}), self.clock(),
                            source.stale_after)
