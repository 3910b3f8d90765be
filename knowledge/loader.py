"""Load the knowledge files into a KnowledgeBase.

`collect()` reads everything it can and returns the knowledge base together with every problem found;
`load_knowledge()` is what the bot uses: it raises KnowledgeError when there is any error.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.base import KnowledgeBase, Origin
from knowledge.problems import KnowledgeError, Problem, error, errors_only, warning
from knowledge.refs import check_references
from knowledge.responses import Responses, flatten
from knowledge.schema import (
    Answer,
    Article,
    Intent,
    IntentSpec,
    Lao,
    LaoOverride,
    RegionsFile,
    Service,
    Source,
)
from knowledge.topics import TopicsTable, parse_topics
from knowledge.validate import list_items, validate
from knowledge.yamlsrc import YamlDoc, YamlSyntaxError, read_yaml

PACKAGE_ROOT = Path(__file__).parent
FOLDERS = ("sources", "services", "helpdesk", "intents", "laos", "nlu")
TOP_FILES = ("topics.yaml", "regions.yaml", "responses.yaml", "followups.yaml")


def load_knowledge(root: Path | None = None) -> KnowledgeBase:
    """Load and validate the knowledge base (default: the files shipped inside this package)."""
    kb, problems = collect(root)
    if errors := errors_only(problems):
        raise KnowledgeError(errors)
    return kb


def data_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def fingerprint(root: Path) -> str:
    digest = hashlib.sha256()
    for file in data_files(root):
        digest.update(file.relative_to(root).as_posix().encode() + b"\0")
        digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass
class _Build:
    """Records gathered so far, with where each came from, and the problems met."""

    problems: list[Problem] = field(default_factory=list)
    docs: dict[str, YamlDoc] = field(default_factory=dict)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # kind -> id -> model
    origins: dict[str, Origin] = field(default_factory=dict)
    broken_ids: set[str] = field(default_factory=set)  # "kind:id" of records that failed validation

    def add(self, kind: str, key: str, model: Any, origin: Origin) -> None:
        table = self.records.setdefault(kind, {})
        if key in table:
            first = self.origins[f"{kind}:{key}"]
            self.problems.append(
                error(
                    origin.path,
                    origin.line(),
                    f"duplicate {kind} id '{key}' (first in {first.path}:{first.line()})",
                )
            )
            return
        table[key] = model
        self.origins[f"{kind}:{key}"] = origin

    def table(self, kind: str) -> dict[str, Any]:
        return self.records.get(kind, {})


def collect(root: Path | None = None) -> tuple[KnowledgeBase, list[Problem]]:
    """Read every knowledge file; return what validated and every problem (schema, duplicates, references)."""
    root = Path(root) if root is not None else PACKAGE_ROOT
    build = _Build()
    _read_all(root, build)
    topics = _topics(root, build)
    regions = _regions(build)
    _sources(build)
    _services(build)
    _articles(build)
    _intents(build)
    _laos(build)
    responses = _responses(build)
    nlu = {Path(p).stem: d.data for p, d in build.docs.items() if p.startswith("nlu/")}
    kb = KnowledgeBase(
        root=root,
        fingerprint=fingerprint(root),
        topics=topics.topic_groups(),
        topic_descriptions={t: d for members in topics.groups.values() for t, d in members.items()},
        intents=build.table("intent"),
        services=build.table("service"),
        articles=build.table("article"),
        laos=build.table("lao"),
        sources=build.table("source"),
        regions=regions,
        lao_overrides=_by_lao(build.table("override")),
        responses=responses,
        nlu=nlu,
        origins=build.origins,
    )
    build.problems += check_references(kb, build.broken_ids)
    return kb, sorted(set(build.problems))


def _by_lao(table: dict[str, LaoOverride]) -> dict[str, dict[str, LaoOverride]]:
    out: dict[str, dict[str, LaoOverride]] = {}
    for key, override in table.items():
        code, service_id = key.split("/", 1)
        out.setdefault(code, {})[service_id] = override
    return out


def _read_all(root: Path, build: _Build) -> None:
    for name in ("topics.yaml", "regions.yaml"):
        if not (root / name).is_file():
            build.problems.append(error(name, 1, "file is missing"))
    if not (root / "responses.yaml").is_file():
        build.problems.append(warning("responses.yaml", 1, "file is missing: the bot has no phrases yet"))
    for file in data_files(root):
        rel = file.relative_to(root).as_posix()
        if rel == "topics.yaml":
            continue  # not strict YAML; read by knowledge.topics
        folder = rel.split("/")[0] if "/" in rel else ""
        if rel not in TOP_FILES and (folder not in FOLDERS or rel.count("/") != 1):
            build.problems.append(warning(rel, 1, "not a known knowledge file (see FORMAT.md); ignored"))
            continue
        try:
            build.docs[rel] = read_yaml(root, file)
        except YamlSyntaxError as exc:
            build.problems.append(error(rel, exc.line, str(exc)))


def _docs(build: _Build, folder: str) -> list[YamlDoc]:
    return [d for p, d in build.docs.items() if p.startswith(folder + "/")]


def _topics(root: Path, build: _Build) -> TopicsTable:
    file = root / "topics.yaml"
    table = parse_topics(file.read_text(encoding="utf-8")) if file.is_file() else TopicsTable()
    build.problems += table.problems
    return table


def _regions(build: _Build) -> dict[str, str]:
    doc = build.docs.get("regions.yaml")
    if doc is None:
        return {}
    model, problems = validate(RegionsFile, doc, doc.data)
    build.problems += problems
    return {p.name: p.region for p in model.provinces} if model else {}


def _items(
    build: _Build, folder: str, key: str, model: type, kind: str, also: tuple[str, ...] = ()
) -> list[tuple[Any, Origin]]:
    """Validate every `{key: [...]}` item of every file in `folder`; return the valid ones with origins."""
    valid = []
    for doc in _docs(build, folder):
        items, problems = list_items(doc, key, also)
        build.problems += problems
        for loc, data in items:
            obj, problems = validate(model, doc, data, loc)
            build.problems += problems
            if obj is None:
                build.broken_ids.add(f"{kind}:{_raw_id(data, kind)}")
            else:
                valid.append((obj, Origin(doc, loc)))
    return valid


def _raw_id(data: Any, kind: str) -> str:
    key = "code" if kind == "lao" else "id"
    return str(data.get(key)) if isinstance(data, dict) else ""


def _sources(build: _Build) -> None:
    for source, origin in _items(build, "sources", "sources", Source, "source"):
        build.add("source", source.id, source, origin)


def _spec_intent(spec: IntentSpec, audience: str, topic: str, answer: Answer) -> Intent:
    return Intent(
        id=spec.id,
        audience=spec.audience or audience,
        topic=spec.topic or topic,
        focus=spec.focus,
        examples=spec.examples,
        answer=answer,
    )


def _services(build: _Build) -> None:
    for doc in _docs(build, "services"):
        service, problems = validate(Service, doc, doc.data)
        build.problems += problems
        if service is None:
            build.broken_ids.add(f"service:{_raw_id(doc.data, 'service')}")
            continue
        if service.id != Path(doc.path).stem:
            build.problems.append(
                warning(doc.path, doc.line(("id",)), f"file name should be {service.id}.yaml")
            )
        for key in ("local_note", "applied_lao"):  # filled by effective_service(), never in files
            if getattr(service, key) is not None:
                build.problems.append(
                    error(doc.path, doc.line((key,)), f"'{key}' is set from LAO overrides only")
                )
        build.add("service", service.id, service, Origin(doc, ()))
        answer = Answer(kind="service", ref=service.id)
        for i, spec in enumerate(service.intents):
            intent = _spec_intent(spec, "citizen", service.topic, answer)
            build.add("intent", intent.id, intent, Origin(doc, ("intents", i)))


def _articles(build: _Build) -> None:
    for article, origin in _items(build, "helpdesk", "articles", Article, "article"):
        build.add("article", article.id, article, origin)
        answer = Answer(kind="article", ref=article.id)
        intent = _spec_intent(article.intent, "officer", article.topic, answer)
        build.add("intent", intent.id, intent, Origin(origin.doc, origin.loc + ("intent",)))


def _intents(build: _Build) -> None:
    for intent, origin in _items(build, "intents", "intents", Intent, "intent"):
        build.add("intent", intent.id, intent, origin)


def _laos(build: _Build) -> None:
    for lao, origin in _items(build, "laos", "laos", Lao, "lao", also=("overrides",)):
        build.add("lao", lao.code, lao, origin)
    for doc in _docs(build, "laos"):
        if isinstance(doc.data, dict) and "overrides" in doc.data:
            _external_overrides(build, doc, doc.data["overrides"])


def _external_overrides(build: _Build, doc: YamlDoc, data: Any) -> None:
    """`overrides: {lao code: {service id: override}}` kept apart from the LAO's directory entry."""
    if not isinstance(data, dict):
        build.problems.append(
            error(doc.path, doc.line(("overrides",)), "'overrides' must map LAO codes to services")
        )
        return
    for code, services in data.items():
        if not isinstance(services, dict):
            build.problems.append(
                error(doc.path, doc.line(("overrides", code)), "expected {service id: override}")
            )
            continue
        for service_id, body in services.items():
            loc = ("overrides", code, service_id)
            override, problems = validate(LaoOverride, doc, body, loc)
            build.problems += problems
            if override is not None:
                build.add("override", f"{code}/{service_id}", override, Origin(doc, loc))


def _responses(build: _Build) -> Responses:
    doc = build.docs.get("responses.yaml")
    if doc is None or doc.data is None:
        return Responses({})
    data, prefix = doc.data, ()
    if isinstance(data, dict) and set(data) == {"responses"}:
        data, prefix = data["responses"], ("responses",)
    if not isinstance(data, dict):
        build.problems.append(error(doc.path, 1, "expected a mapping of response keys"))
        return Responses({})
    phrases, bad = flatten(data)
    for loc in bad:
        build.problems.append(
            error(
                doc.path,
                doc.line(prefix + loc),
                f"response '{'.'.join(loc)}' must be a text or a list of texts",
            )
        )
    lines = {key: doc.line(prefix + tuple(key.split("."))) for key in phrases}
    return Responses(phrases, lines)
