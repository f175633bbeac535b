"""YAML front matter of a text file, read at a bounded cost."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from bot.corpus.document import METADATA_KEYS, Skip
from bot.corpus.metadata import Rejected

if TYPE_CHECKING:
    import yaml
    from frontmatter.default_handlers import YAMLHandler

# What front matter may cost: its block is parsed whole, and only the fields used are
# built, each from at most this many YAML nodes (aliases counted each time they are used,
# so an alias bomb is refused before it expands).
FRONT_MATTER_MAX_CHARS = 65_536
FIELD_MAX_NODES = 1_000

_FRONT_MATTER_KEYS = frozenset(("title", *METADATA_KEYS))


@cache
def _yaml() -> tuple[YAMLHandler, Any]:
    """The front matter splitter and the YAML loader, made at first use: a start served
    from the cache reads no file and need not import them."""
    import yaml
    from frontmatter.default_handlers import YAMLHandler

    return YAMLHandler(), getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def front_matter(text: str) -> tuple[dict[str, object], str]:
    """The fields used from a text's YAML front matter, and the text after it.

    Split as python-frontmatter splits; the YAML is read here, at a bounded cost: the
    block's size is capped, and only the fields used are built, each from at most
    FIELD_MAX_NODES nodes. A field that cannot be built holds a `Rejected`."""
    import yaml  # see _yaml

    handler, yaml_loader = _yaml()
    text = text.strip()
    if not handler.detect(text):
        return {}, text
    try:
        block, content = handler.split(text)
    except ValueError:  # no closing delimiter: not front matter
        return {}, text
    if len(block) > FRONT_MATTER_MAX_CHARS:
        raise Skip(f"front matter over {FRONT_MATTER_MAX_CHARS:,} characters")
    loader = yaml_loader(block)
    try:
        try:
            root = loader.get_single_node()  # nodes only: an alias is a reference here
        except yaml.YAMLError as error:
            problem = str(error).splitlines()[0]
            raise Skip(f"front matter is not valid YAML: {problem}") from None
        except RecursionError:
            raise Skip("front matter is not valid YAML: nested too deeply") from None
        fields: dict[str, object] = {}
        if isinstance(root, yaml.MappingNode):  # other front matter holds no fields
            for key_node, value_node in root.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                if key in _FRONT_MATTER_KEYS and key_node.tag == "tag:yaml.org,2002:str":
                    fields[key] = _field_value(loader, value_node)
        return fields, content.strip()
    finally:
        loader.dispose()


def _field_value(loader: Any, node: yaml.Node) -> object:
    """The value of a front-matter field's node, or `Rejected` saying why it has none."""
    import yaml  # see _yaml

    count, pending = 0, [node]
    while pending:  # aliases are counted each time they are used: a bomb stops here
        count += 1
        if count > FIELD_MAX_NODES:
            return Rejected(f"more than {FIELD_MAX_NODES:,} YAML nodes (aliases counted in full)")
        current = pending.pop()
        if isinstance(current, yaml.SequenceNode):
            pending.extend(current.value)
        elif isinstance(current, yaml.MappingNode):
            pending.extend(part for pair in current.value for part in pair)
    try:
        return loader.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as error:
        problem = (str(error).splitlines() or [type(error).__name__])[0]
        return Rejected(f"not a valid value: {problem}")
