"""Corpus: reading transcripts in many formats, speakers, and the documents of a project."""
