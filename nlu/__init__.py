"""Thai NLU: normalise -> tokenise -> score -> decide -> extract, on one result object.

PyThaiNLP must never download anything at run time: with these set, anything that would
download fails loudly instead of silently returning empty data.
"""
from __future__ import annotations

import os

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from nlu.types import Candidate, Entity, NluResult, PiiSpan, TrainingExample  # noqa: E402

__all__ = ["Candidate", "Entity", "NluResult", "PiiSpan", "TrainingExample"]
