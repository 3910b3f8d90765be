"""Pydantic models of the knowledge files. This module is the authority; FORMAT.md explains it.

Every model forbids unknown keys, so a typo in a key is an error rather than silently ignored data.
Length limits that come from LINE (titles, summaries, answers) are checked by the linter, not here,
so that an over-long text is reported together with everything else instead of hiding the record.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

Audience = Literal["citizen", "officer", "any"]
Focus = Literal["documents", "fee", "duration", "online", "where", "steps"]
Region = Literal["north", "northeast", "central", "east", "west", "south"]
REGIONS: tuple[str, ...] = ("north", "northeast", "central", "east", "west", "south")
LaoType = Literal[
    "pao", "municipality_city", "municipality_town", "municipality_subdistrict", "sao", "university"
]
AnswerKind = Literal["service", "article", "action", "redirect", "report", "out_of_scope"]

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
SnakeId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]*$")]
IntentId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")]
Url = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https?://\S+$")]
# Official LAO code (8 digits), provisional "P-<subdistrict or district geocode>", or "ORG-<name>" for a
# partner that is not an LAO (Burapha University). See FORMAT.md, laos/.
LaoCode = Annotated[str, StringConstraints(pattern=r"^(\d{8}|P-\d{4}(\d{2})?|ORG-[a-z0-9_]+)$")]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Source(Model):
    id: SnakeId
    title: Text
    publisher: Text | None = None
    url: Url
    as_of: date
    note: Text | None = None


class Fact(Model):
    text: Text
    source: SnakeId
    as_of: date | None = None  # None: the source's as_of applies (KnowledgeBase.fact_as_of)
    verified: bool = True
    varies: bool = False


class Step(Model):
    title: Text
    detail: Text | None = None
    duration: Text | None = None


class Document(Model):
    name: Text
    note: Text | None = None


class Deadline(Model):
    label: Text
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)
    note: Text | None = None
    source: SnakeId

    @model_validator(mode="after")
    def _real_day(self) -> Deadline:
        try:
            date(2024, self.month, self.day)  # a leap year, so 29 February is allowed
        except ValueError as exc:
            raise ValueError(f"{self.day}/{self.month} is not a day of the year") from exc
        return self


class Channels(Model):
    counter: bool = True
    online: Literal["yes", "no", "depends"] = "depends"
    online_note: Text | None = None
    other: list[Text] = []

    @field_validator("online", mode="before")
    @classmethod
    def _yaml_bool(cls, value: Any) -> Any:
        # YAML 1.1 reads an unquoted yes/no as a boolean.
        if isinstance(value, bool):
            return "yes" if value else "no"
        return value


class Followups(Model):
    documents: Text | None = None
    fee: Text | None = None
    duration: Text | None = None
    online: Text | None = None
    where: Text | None = None
    steps: Text | None = None


_ANSWER_FIELDS: dict[str, tuple[set[str], set[str]]] = {  # kind -> (required, allowed) fields
    "service": ({"ref"}, {"ref"}),
    "article": ({"ref"}, {"ref"}),
    "action": ({"action"}, {"action"}),
    "redirect": ({"text", "source"}, {"text", "source"}),
    "report": (set(), {"category", "text", "source"}),
    "out_of_scope": ({"text"}, {"text", "source"}),
}


class Answer(Model):
    kind: AnswerKind
    ref: SnakeId | None = None  # kind service/article: the service or article id
    action: SnakeId | None = None  # kind action: a key handled by the handlers
    text: Text | None = None
    source: SnakeId | None = None
    category: SnakeId | None = None  # kind report: a topic; defaults to the intent's topic

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> Answer:
        required, allowed = _ANSWER_FIELDS[self.kind]
        given = {name for name in ("ref", "action", "text", "source", "category") if getattr(self, name)}
        if missing := sorted(required - given):
            raise ValueError(f"answer kind '{self.kind}' needs: {', '.join(missing)}")
        if unused := sorted(given - allowed):
            raise ValueError(f"answer kind '{self.kind}' does not use: {', '.join(unused)}")
        return self


Examples = Annotated[list[Text], Field(min_length=1)]


class IntentSpec(Model):
    """An intent in a service or article file: its answer is that record; topic/audience may be inherited."""

    id: IntentId
    audience: Audience | None = None
    topic: SnakeId | None = None
    focus: Focus | None = None
    examples: Examples


class Intent(Model):
    id: IntentId
    audience: Audience
    topic: SnakeId
    focus: Focus | None = None  # services only
    examples: Examples
    answer: Answer


class Service(Model):
    id: SnakeId
    name: Text
    topic: SnakeId
    category: Text
    division: Text
    summary: Text
    legal_basis: list[Fact] = []
    conditions: list[Text] = []
    steps: Annotated[list[Step], Field(min_length=1)]
    documents: list[Document] = []
    fees: Annotated[list[Fact], Field(min_length=1)]
    time_limit: Fact | None = None
    deadlines: list[Deadline] = []
    channels: Channels
    followups: Followups | None = None
    sources: Annotated[list[SnakeId], Field(min_length=1)]
    verified: bool = True
    intents: Annotated[list[IntentSpec], Field(min_length=1)]
    # Set only by KnowledgeBase.effective_service from an LAO's override; leave out of services/ files.
    local_note: Text | None = None
    applied_lao: LaoCode | None = None


class Article(Model):
    id: SnakeId
    topic: SnakeId
    title: Text
    answer: Text
    verified: bool
    source: SnakeId
    intent: IntentSpec


class Contacts(Model):
    phone: Fact | None = None
    address: Fact | None = None
    website: Fact | None = None
    office_hours: Fact | None = None
    email: Fact | None = None


class LaoOverride(Model):
    """Per-LAO replacement of a service's national default; fields left out keep the default."""

    fees: list[Fact] | None = None
    deadlines: list[Deadline] | None = None
    time_limit: Fact | None = None
    documents: list[Document] | None = None
    division: Text | None = None
    channels: Channels | None = None
    note: Text | None = None


class Lao(Model):
    code: LaoCode
    code_verified: bool = False
    name: Text
    aliases: list[Text] = []
    type: LaoType
    province: Text
    district: Text | None = None
    subdistrict: Text | None = None
    region: Region
    is_mentor: bool = False
    verified: bool = True
    note: Text | None = None  # what is unverified or ambiguous about this entry
    contacts: Contacts = Contacts()
    reports_via: Literal["lao", "traffy"] = "lao"
    online_services: list[SnakeId] = []
    overrides: dict[SnakeId, LaoOverride] = {}
    sources: list[SnakeId] = []


class ProvinceRegion(Model):
    code: Annotated[str, StringConstraints(pattern=r"^\d{2}$")]
    name: Text
    name_en: Text
    region: Region


class RegionsFile(Model):
    provinces: Annotated[list[ProvinceRegion], Field(min_length=1)]
