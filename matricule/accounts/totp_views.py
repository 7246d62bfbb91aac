"""The page step that asks for a code from the authenticator app, shared by the student account
(turning the second factor on or off, the login's second step) and the staff sign-in (setting
up the app, the code): one form, one way to tell a wrong code from a lock."""

from django.shortcuts import render

from . import throttle, totp
from .forms import CodeForm


def code_check(request, user, service):
    """A `check` for `code_step`: the code services (totp's and staff's) take the account, the
    code and the address the request comes from (kept with a wrong code in the audit trail)."""
    address = throttle.client_address(request)
    return lambda code: service(user, code, address=address)


def code_step(request, template: str, context: dict, *, check, done, gone, wrong: str, locked=None):
    """Render `template` with a CodeForm; on a valid POST, `check(code)` gives a totp.CodeCheck.

    `done()` answers a right code, `gone()` a second factor turned on or off meanwhile
    (totp.TotpError); a wrong code is shown as the `wrong` message. While the account is locked
    (`context["locked_until"]` given, or the check's answer) nothing is checked, `locked()` is
    called and the page answers 429."""
    form = CodeForm(request.POST or None)
    context = {**context, "form": form}
    if request.method == "POST" and not context.get("locked_until") and form.is_valid():
        try:
            outcome = check(form.cleaned_data["code"])
        except totp.TotpError:
            return gone()
        if outcome.ok:
            return done()
        if outcome.locked:
            context["locked_until"] = outcome.locked_until
        else:
            form.add_error("code", wrong)
    if context.get("locked_until"):
        if locked is not None:
            locked()
        return render(request, template, context, status=429)
    return render(request, template, context, status=400 if request.method == "POST" else 200)
