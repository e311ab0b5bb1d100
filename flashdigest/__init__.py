"""flashdigest: daily AI-paper digests -> Anki decks, one per digest date.

The pipeline, one module per stage: :mod:`flashdigest.parse` (file -> Digest),
:mod:`flashdigest.cards` (Digest -> notes), :mod:`flashdigest.export` (notes -> .apkg).
"""

#: the version, in this one place (pyproject.toml reads it from here)
__version__ = "0.1.0"
