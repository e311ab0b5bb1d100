"""Reading YAML safely: the checks every YAML input passes before it is composed.

Used by the YAML digest parser and the answer-key reader alike. Not a parser: every parser may
import this module; it imports none.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ..errors import ParseError
from ..limits import LIMITS, env_name

#: libyaml's parser when PyYAML has it; both are safe loaders (no tags, no objects)
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def check_yaml_nesting(text: str, path: Path) -> None:
    """Refuse, from the event stream, anchors and aliases (the shared nodes of a billion-laughs
    bomb), documents of more values than a digest has (composed, each costs some 300 bytes) and
    collections nested over the limit (libyaml's composer crashes past some 30,000 levels)."""
    depth = nodes = 0
    for event in yaml.parse(text, Loader=SAFE_LOADER):
        if isinstance(event, yaml.DocumentStartEvent):
            nodes = 0
        elif isinstance(event, yaml.NodeEvent):
            nodes += 1
            if nodes > LIMITS.max_yaml_nodes:
                raise ParseError(
                    f"a document of over {LIMITS.max_yaml_nodes} values ({env_name('max_yaml_nodes')})",
                    path,
                    _event_line(event),
                )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > LIMITS.max_yaml_depth:
                raise ParseError(
                    f"collections nest over {LIMITS.max_yaml_depth} deep ({env_name('max_yaml_depth')})",
                    path,
                    _event_line(event),
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise ParseError(
                "anchors and aliases (&name, *name) are not allowed in a digest",
                path,
                _event_line(event),
            )


def _event_line(event: yaml.Event) -> int | None:
    return event.start_mark.line + 1 if event.start_mark is not None else None
