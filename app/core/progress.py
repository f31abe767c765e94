"""Named steps of long work, announced to whoever watches (the CLI draws them as a progress bar)."""

from collections.abc import Callable

Progress = Callable[[str], None]
"""Called with the label of each step as it starts."""


def silent(_: str) -> None:
    """The default: nobody watches."""
