"""Lists of employees' emails, pasted or uploaded as a CSV file, for assigning seats in bulk."""

from __future__ import annotations

import csv
import io
import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

_SEPARATORS = re.compile(r"[,;\t]")
_BRACKETED = re.compile(r"<([^<>]+)>")
_EMAIL_HEADERS = {"email", "e-mail", "mail", "courriel", "adresse email", "adresse e-mail", "email address"}


def decode_upload(content: bytes) -> str:
    """The text of an uploaded list: UTF-8 (with or without Excel's BOM), else Windows-1252 (older Excel)."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _cell_email(cell: str) -> str:
    """``Camille Martin <camille@example.org>`` (as mail programs paste it) → the address."""
    cell = cell.strip().strip("\"'").strip()
    if match := _BRACKETED.search(cell):
        cell = match.group(1).strip()
    return cell


def _header_column(line: str) -> tuple[str, int] | None:
    """If ``line`` is a CSV header with an email column: its delimiter and the column's index."""
    delimiter = max(";,\t", key=line.count)
    cells = [cell.strip().strip("\"'").strip().lower() for cell in line.split(delimiter)]
    for index, cell in enumerate(cells):
        if cell in _EMAIL_HEADERS:
            return delimiter, index
    return None


def parse_email_list(text: str) -> tuple[list[str], list[str]]:
    """The emails in a pasted list or an uploaded CSV, in order, and a message for each line that is not one.

    Accepts one or several emails per line separated by commas, semicolons or
    tabs, "Name <email>" items, and CSV files (comma or semicolon, as Excel
    writes them) with an "email" column in their header row. Duplicates are
    kept: ``seats_assign_many`` reports them.
    """
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    emails: list[str] = []
    errors: list[str] = []
    header = _header_column(lines[first]) if first is not None else None

    def check(item: str, number: int) -> None:
        try:
            validate_email(item)
        except ValidationError:
            errors.append(
                _("Line %(line)d: “%(value)s” is not a valid email address.") % {"line": number, "value": item}
            )
        else:
            emails.append(item.lower())

    if header is not None:
        delimiter, column = header
        rows = csv.reader(io.StringIO("\n".join(lines[first + 1 :])), delimiter=delimiter)
        for number, row in enumerate(rows, start=first + 2):
            if not any(cell.strip() for cell in row):
                continue
            item = _cell_email(row[column]) if column < len(row) else ""
            if not item:
                errors.append(_("Line %(line)d: no email address.") % {"line": number})
                continue
            check(item, number)
        return emails, errors
    for number, line in enumerate(lines, start=1):
        for cell in _SEPARATORS.split(line):
            if item := _cell_email(cell):
                check(item, number)
    return emails, errors
