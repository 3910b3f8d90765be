"""KnowledgeBase: the loaded, validated knowledge, and lookups the rest of the bot uses."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from knowledge.responses import Responses
from knowledge.schema import Article, Fact, Intent, Lao, LaoOverride, Service, Source
from knowledge.yamlsrc import YamlDoc


@dataclass(frozen=True)
class Origin:
    """Where a record was read: its file and its location inside that file."""

    doc: YamlDoc
    loc: tuple[str | int, ...]

    @property
    def path(self) -> str:
        return self.doc.path

    def line(self, *sub: str | int) -> int:
        return self.doc.line(self.loc + sub)


@dataclass(frozen=True)
class KnowledgeBase:
    root: Path
    fingerprint: str  # sha256 over every knowledge file's path and bytes
    topics: dict[str, str]  # topic -> group name
    intents: dict[str, Intent]  # every intent: services/, helpdesk/ and intents/
    services: dict[str, Service]
    articles: dict[str, Article]
    laos: dict[str, Lao]  # by code
    sources: dict[str, Source]
    regions: dict[str, str]  # province (Thai name) -> region
    responses: Responses
    topic_descriptions: dict[str, str] = field(default_factory=dict)  # topic -> description in topics.yaml
    # Overrides in an `overrides:` section of laos/*.yaml, apart from the LAO's entry:
    # code -> service id -> override.
    lao_overrides: dict[str, dict[str, LaoOverride]] = field(default_factory=dict)
    nlu: dict[str, Any] = field(
        default_factory=dict
    )  # nlu/<name>.yaml -> parsed data (the nlu package owns its shape)
    # "intent:<id>", "service:<id>", "article:<id>", "lao:<code>", "source:<id>", "override:<code>/<service>"
    origins: dict[str, Origin] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:  # the default would print every record
        return (
            f"KnowledgeBase(root={str(self.root)!r}, intents={len(self.intents)}, "
            f"services={len(self.services)}, articles={len(self.articles)}, laos={len(self.laos)}, "
            f"fingerprint={self.fingerprint[:12]!r})"
        )

    def intents_for(self, audience: str) -> dict[str, Intent]:
        """Intents a user of this audience may ask: their own plus audience "any" ("any" gives all)."""
        if audience == "any":
            return dict(self.intents)
        return {k: i for k, i in self.intents.items() if i.audience in (audience, "any")}

    def lao_by_code(self, code: str) -> Lao | None:
        return self.laos.get(code.strip())

    def fact_as_of(self, fact: Fact) -> date:
        """The fact's own date, or its source's."""
        if fact.as_of is not None:
            return fact.as_of
        try:
            return self.sources[fact.source].as_of
        except KeyError:
            raise KeyError(f"fact cites unknown source '{fact.source}'") from None

    def effective_service(self, service_id: str, lao_code: str | None = None) -> Service:
        """The national service record with the LAO's override (if any) applied."""
        if service_id not in self.services:
            raise KeyError(f"unknown service '{service_id}'")
        service = self.services[service_id]
        lao = self.lao_by_code(lao_code) if lao_code else None
        if lao_code and lao is None:
            raise KeyError(f"unknown LAO code '{lao_code}'")
        if lao is None:
            return service
        update: dict[str, Any] = {}
        override = lao.overrides.get(service_id) or self.lao_overrides.get(lao.code, {}).get(service_id)
        if override is not None:
            fields = ("fees", "deadlines", "time_limit", "documents", "division", "channels")
            update = {f: getattr(override, f) for f in fields if getattr(override, f) is not None}
            if override.note:
                update["local_note"] = override.note
        if service_id in lao.online_services:
            channels = update.get("channels", service.channels)
            update["channels"] = channels.model_copy(update={"online": "yes"})
        if not update:
            return service
        return service.model_copy(update={**update, "applied_lao": lao.code})

    def origin(self, kind: str, key: str) -> Origin | None:
        return self.origins.get(f"{kind}:{key}")

    def records(self, *kinds: str) -> Iterator[tuple[str, str, Any, Origin]]:
        """(kind, key, record, origin) of every record of these kinds (service, article, lao, intent, source,
        override; an override's key is "<code>/<service id>")."""
        tables: dict[str, dict[str, Any]] = {
            "service": self.services,
            "article": self.articles,
            "lao": self.laos,
            "intent": self.intents,
            "source": self.sources,
            "override": {
                f"{code}/{sid}": o for code, table in self.lao_overrides.items() for sid, o in table.items()
            },
        }
        for kind in kinds:
            for key, record in tables[kind].items():
                yield kind, key, record, self.origins[f"{kind}:{key}"]
