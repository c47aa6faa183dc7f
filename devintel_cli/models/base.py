"""What the output models share: the frozen base, the scope fields a report or a factor
shows only when set (§5 "when scoped"), and a metric a report could not compute."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, model_serializer


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OmitsUnscoped(BaseModel):
    """``service_line_id`` and ``repository`` appear in the JSON only when set: a report
    or a factor names a line or a repository only when it is about one (§5 "when scoped")."""

    model_config = ConfigDict(frozen=True)

    @model_serializer(mode="wrap")
    def _scope_only_when_scoped(self, handler):  # type: ignore[no-untyped-def]
        data = handler(self)
        for key in ("service_line_id", "repository"):
            if data.get(key) is None:
                data.pop(key, None)
        return data


class ScopedOut(OmitsUnscoped):
    """A report about a workspace, a line or a repository."""

    workspace_id: str
    service_line_id: str | None = None
    repository: str | None = None


class MissingMetricOut(Model):
    metric: str
    reason: str
    how_to_add: str
