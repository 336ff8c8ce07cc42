"""One type for text in Bahasa Indonesia and English: :class:`Bilingual`.

Every statement jknrules makes to a person comes in both languages: a policy's
message to the applicant, a document's name, a reason in a result, a line of a
diff or of a rendered Standar Pelayanan, a diagnostic. They are all a
:class:`Bilingual` — an immutable, hashable value with ``id`` (Bahasa Indonesia)
and ``en`` (English) — never a ``(id, en)`` tuple in one room and a dict in another.

It is a plain value (``Bilingual("Diterima", "Accepted")``, ``+`` to concatenate,
:meth:`Bilingual.pick` for one language) and a pydantic field type: in a model it
is read from and written as the mapping ``{"id": …, "en": …}``. Where a model needs
the mapping described differently in its JSON Schema (the policy language's
non-empty ``Text`` with hover help, the diff report's own description), it says so
with ``Annotated[Bilingual, BilingualSchema(...)]`` — the same type, another
description.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypedDict

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema


class BilingualText(TypedDict):
    """The JSON form of a :class:`Bilingual` (what results, reports and records hold)."""

    id: str
    en: str


@dataclass(frozen=True, slots=True)
class Bilingual:
    """The same statement in Bahasa Indonesia (``id``) and English (``en``)."""

    id: str
    en: str

    @classmethod
    def same(cls, text: str) -> Bilingual:
        """Text that reads the same in both languages (names, numbers, ids)."""
        return cls(text, text)

    def pick(self, lang: str) -> str:
        """The text in ``lang`` (``"id"``; anything else is English)."""
        return self.id if lang == "id" else self.en

    def join(self, parts: Iterable[Bilingual]) -> Bilingual:
        """``parts`` joined with this text between them, in each language."""
        items = tuple(parts)
        return Bilingual(self.id.join(p.id for p in items), self.en.join(p.en for p in items))

    def as_dict(self) -> BilingualText:
        """The JSON form: ``{"id": …, "en": …}``."""
        return {"id": self.id, "en": self.en}

    def __add__(self, other: Bilingual) -> Bilingual:
        return Bilingual(self.id + other.id, self.en + other.en)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any,
                                     handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return BilingualSchema().__get_pydantic_core_schema__(source, handler)


@dataclass(frozen=True, slots=True)
class BilingualSchema:
    """How a model presents :class:`Bilingual` in its JSON Schema (``Annotated`` metadata).

    ``name`` is the schema's definition name, ``description`` its description,
    ``min_length`` the least length of each text (the policy language refuses an empty
    message), ``help_id``/``help_en`` the descriptions of the two texts.
    """

    name: str = "Bilingual"
    description: str | None = None
    min_length: int | None = None
    help_id: str | None = None
    help_en: str | None = None

    def __get_pydantic_core_schema__(self, source: Any,
                                     handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        text = core_schema.str_schema(min_length=self.min_length)
        mapping = core_schema.typed_dict_schema(
            {"id": core_schema.typed_dict_field(text), "en": core_schema.typed_dict_field(text)},
            extra_behavior="forbid", ref=f"jknrules.language.text.{self.name}",
            metadata={"pydantic_js_functions": [self._json_schema]},
        )
        return core_schema.no_info_wrap_validator_function(
            _validate, mapping,
            serialization=core_schema.plain_serializer_function_ser_schema(
                Bilingual.as_dict, return_schema=mapping),
        )

    def _json_schema(self, schema: core_schema.CoreSchema,
                     handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        out = handler(schema)
        body = handler.resolve_ref_schema(out)
        body["title"] = self.name
        if self.description is not None:
            body["description"] = self.description
        for key, title, help_text in (("id", "Bahasa Indonesia", self.help_id),
                                      ("en", "English", self.help_en)):
            body["properties"][key]["title"] = title
            if help_text is not None:
                body["properties"][key]["description"] = help_text
        return out


def _validate(value: Any, handler: core_schema.ValidatorFunctionWrapHandler) -> Bilingual:
    if isinstance(value, Bilingual):
        return value
    data = handler(value)
    return Bilingual(data["id"], data["en"])
