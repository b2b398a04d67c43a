"""Small drawing helpers shared by pages. Participant text is data, never markup."""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<$:&])")


def escape_md(text: str) -> str:
    """Make text safe to show through st.markdown: every markdown/HTML character is escaped."""
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", "  \n")
