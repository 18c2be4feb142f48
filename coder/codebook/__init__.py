"""Codebooks: the YAML format, its validation, and the project's current codebook."""

from .load import load_codebook, parse_codebook
from .model import RESERVED_KEYS, Code, Codebook
from .store import codes_dropped_by, current_codebook, project_codes, store_codebook

__all__ = ["RESERVED_KEYS", "Code", "Codebook", "codes_dropped_by", "current_codebook", "load_codebook",
           "parse_codebook", "project_codes", "store_codebook"]
