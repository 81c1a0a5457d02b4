"""Safe YAML reading with line numbers, duplicate-key detection and clear errors.

Only YAML's safe subset is ever constructed: a ``!!python/...`` tag is reported as an error and
never executed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from povmodel.errors import ConfigError, Problem

_MERGE_TAG = "tag:yaml.org,2002:merge"


class _StrictSafeLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys instead of keeping the last one silently, and
    reports values it cannot construct (the date ``2020-02-30``) as YAML errors with their line."""

    def construct_mapping(self, node, deep=False):
        if not isinstance(node, yaml.MappingNode):  # e.g. ``!!set`` on a scalar
            raise yaml.constructor.ConstructorError(
                None, None, f"expected a mapping for {node.tag.rsplit(':', 1)[-1]}, found a {node.id}", node.start_mark)
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue  # ``<<: *anchor``: merged keys may be overridden by the mapping's own
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                continue  # SafeLoader reports unhashable keys itself
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first given on line {seen[key] + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, AttributeError, OverflowError, LookupError) as exc:
            # e.g. ``2020-02-30`` (a timestamp that is no date), ``!!int abc``, ``!!float`` (empty)
            what = "date" if node.tag.endswith(":timestamp") else node.tag.rsplit(":", 1)[-1]
            value = node.value if isinstance(node, yaml.ScalarNode) else node.id
            why = f" ({exc})" if isinstance(exc, ValueError | OverflowError) else ""
            raise yaml.constructor.ConstructorError(
                None, None, f"not a valid {what}: {str(value)[:60]!r}{why}", node.start_mark
            ) from None


def read_yaml(path: str | Path) -> tuple[Any, yaml.Node | None]:
    """Read a YAML file safely.

    Returns
    -------
    data, node
        The Python data and the composed node tree (for line numbers; ``None`` if empty).

    Raises
    ------
    ConfigError
        If the file is missing, unreadable, not UTF-8, not valid YAML or uses unsafe tags.
    """
    path = Path(path)
    if "\0" in str(path):
        raise ConfigError(Problem("file name contains a NUL character", file=repr(str(path))))
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(Problem("file not found", file=str(path))) from None
    except IsADirectoryError:
        raise ConfigError(Problem("is a folder, not a YAML file", file=str(path))) from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise ConfigError(
            Problem(f"not UTF-8 text (byte {exc.start}): save the file as UTF-8", file=str(path),
                    location=f"line {line}")
        ) from None
    except OSError as exc:
        raise ConfigError(Problem(f"cannot be read: {exc.strerror}", file=str(path))) from None
    try:
        node = yaml.compose(text, Loader=_StrictSafeLoader)
        data = yaml.load(text, Loader=_StrictSafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        if isinstance(exc, yaml.reader.ReaderError):  # a control character: no mark, a position
            where = f"line {text[: exc.position].count(chr(10)) + 1}"
        problem = getattr(exc, "problem", None) or str(exc)
        if "python/" in str(exc) or "could not determine a constructor" in str(problem):
            problem = f"unsafe or unknown YAML tag refused ({problem.strip()}); only plain YAML is allowed"
        raise ConfigError(Problem(f"invalid YAML: {problem}", file=str(path), location=where)) from None
    except RecursionError:
        raise ConfigError(Problem("invalid YAML: nested too deeply (brackets or indentation levels)",
                                  file=str(path))) from None
    return data, node


def line_of(node: yaml.Node | None, key_path: Sequence[Any]) -> int | None:
    """Return the 1-based line of ``key_path`` in a composed YAML node tree, or of its deepest
    existing ancestor; ``None`` if the tree is empty."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for key in key_path:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if str(key_node.value) == str(key):
                    node = value_node
                    line = key_node.start_mark.line + 1
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return line
    return line
