"""Reads an HTML page's forms as a browser would submit them (the admin panels' pages)."""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    # What pressing Enter sends besides the fields: the first submit button's name and value.
    submit: dict[str, str] | None = None


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            method = attributes.get("method", "get").lower()
            self.forms.append(Form(attributes.get("action", ""), method))
            return
        if not self.forms or "disabled" in attributes:
            return
        form = self.forms[-1]
        kind = attributes.get("type", "submit" if tag == "button" else "text").lower()
        if tag in ("input", "button") and kind == "submit" and form.submit is None:
            name = attributes.get("name")
            form.submit = {name: attributes.get("value", "")} if name else {}
        if "name" not in attributes:
            return
        fields, name = form.fields, attributes["name"]
        if tag == "input":
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                return
            fields[name] = attributes.get("value", "on" if kind == "checkbox" else "")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select is not None:
            fields.setdefault(self._select, attributes.get("value", ""))
            if "selected" in attributes:
                fields[self._select] = attributes.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None and self.forms:
            self.forms[-1].fields[self._textarea] += data


def forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form_with(html: str, name: str) -> Form:
    """The page's one form that has a field called `name`."""
    found = [form for form in forms(html) if name in form.fields]
    assert len(found) == 1, f"{len(found)} forms with a field {name!r} in:\n{html[:3000]}"
    return found[0]
