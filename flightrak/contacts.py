"""Email addresses and phone numbers, as every service accepts them. No I/O."""

import re

from email_validator import EmailNotValidError, validate_email

from flightrak import boundary


def clean_email(value: str) -> tuple[str, str | None]:
    """The address normalized (lower case), or the problem with it."""
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized.lower(), None
    except EmailNotValidError as error:
        return value, f"is not a valid email address ({error})"


def normalize_phone(phone: str) -> str | None:
    """North American numbers only: 10 digits, optionally led by 1; returns 214-555-0100 form."""
    digits = re.sub(r"[\s().+-]", "", phone.strip())
    if not boundary.is_number(digits):
        return None
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01" or digits[3] in "01":
        return None
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
