"""Codebooks: the YAML format, its validation, and the project's current codebook."""

from .load import load_codebook, parse_codebook
from .model import RESERVED_KEYS, Attribute, Code, Codebook
from .store import (
           codebook_attributes,
           codes_dropped_by,
           current_codebook,
           project_codes,
           store_codebook,
)

__all__ = ["RESERVED_KEYS", "Attribute", "Code", "Codebook", "codebook_attributes", "codes_dropped_by",
           "current_codebook", "load_codebook", "parse_codebook", "project_codes", "store_codebook"]
