"""Forms of company seats: assigning one email or a list, reassigning a seat, redeeming a code."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from enrolments.services.seat_lists import decode_upload, parse_email_list

#: A list of a few hundred emails is a few kilobytes; anything much bigger is not one.
MAX_LIST_BYTES = 512 * 1024


class SeatEmailForm(forms.Form):
    """One employee's email: assigning a free seat, or reassigning one."""

    email = forms.EmailField(
        label=_("Employee's email"),
        max_length=254,
        error_messages={
            "required": _("Please enter the employee's email address."),
            "invalid": _("Please enter a valid email address, such as name@company.com."),
        },
    )


class SeatListForm(forms.Form):
    """Several emails at once, pasted or in a CSV file (either or both).

    ``cleaned_data["emails"]`` holds every address found, in order, and
    ``cleaned_data["list_errors"]`` a message for each line that is not one.
    """

    emails = forms.CharField(
        label=_("Paste a list of emails"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 50}),
        help_text=_("One per line, or separated by commas or semicolons."),
    )
    file = forms.FileField(
        label=_("Or upload a CSV file"),
        required=False,
        help_text=_(
            "A column headed “email” (comma or semicolon separated, as Excel exports it), or one email per line."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv,text/plain"}),
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > MAX_LIST_BYTES:
            raise forms.ValidationError(_("This file is too large for a list of emails (512 KB at most)."))
        return upload

    def clean(self):
        cleaned = super().clean()
        text = cleaned.get("emails") or ""
        upload = cleaned.get("file")
        if not text.strip() and not upload:
            if "file" not in self.errors:
                raise forms.ValidationError(_("Paste a list of emails or choose a file."))
            return cleaned
        emails, errors = parse_email_list(text) if text.strip() else ([], [])
        if upload:
            file_emails, file_errors = parse_email_list(decode_upload(upload.read()))
            emails += file_emails
            if text.strip():
                # Both a pasted list and a file: say which one a line number is about.
                file_errors = [_("File: %(error)s") % {"error": error} for error in file_errors]
            errors += file_errors
        cleaned["emails_found"] = emails
        cleaned["list_errors"] = errors
        return cleaned


class RedeemCodeForm(forms.Form):
    """A single-use seat code, typed by the employee (case, spaces and dashes do not matter)."""

    code = forms.CharField(
        label=_("Your seat code"),
        max_length=40,
        help_text=_("For example ALLYS-7K3M-Q9PW, as your employer gave it to you."),
        error_messages={"required": _("Please enter the code your employer gave you.")},
    )
    session = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40)
