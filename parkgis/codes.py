"""Check characters of identifiers used in the park's records.

Unified social credit code 统一社会信用代码, GB 32100-2015 (DOMAIN §2): 18 characters
from ``0123456789ABCDEFGHJKLMNPQRTUWXY`` (no I, O, S, V, Z); character 18 is a check
character computed from the first 17 with weights ``3**i mod 31``.
"""

from __future__ import annotations

#: The 31 characters of GB 32100-2015 §4 (value = index).
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

#: Weights of positions 1-17, GB 32100-2015 §5: 3**i mod 31 for i = 0..16.
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

_VALUE = {char: index for index, char in enumerate(USCC_CHARSET)}


def uscc_check_char(code17: str) -> str:
    """Check character of a unified social credit code (GB 32100-2015 §5).

    ``code17`` is the first 17 characters; the result is
    ``CHARSET[(31 - sum(value_i * 3**i mod 31) mod 31) mod 31]``. Raises ``ValueError``
    for a wrong length or a character outside the GB 32100 charset.
    """
    code17 = code17.upper()
    if len(code17) != 17:
        msg = f"a unified social credit code body has 17 characters; found {len(code17)}"
        raise ValueError(msg)
    total = 0
    for position, (char, weight) in enumerate(zip(code17, USCC_WEIGHTS, strict=True)):
        value = _VALUE.get(char)
        if value is None:
            msg = f"character {char!r} at position {position + 1} is not in the GB 32100 charset"
            raise ValueError(msg)
        total += value * weight
    return USCC_CHARSET[(31 - total % 31) % 31]


def uscc_is_valid(code: str) -> bool:
    """True when ``code`` is 18 GB 32100-2015 characters with a correct check character.

    A few codes issued in practice fail the check: callers should warn, not reject.
    """
    if not isinstance(code, str) or len(code) != 18:
        return False
    code = code.upper()
    if any(char not in _VALUE for char in code):
        return False
    return uscc_check_char(code[:17]) == code[17]
