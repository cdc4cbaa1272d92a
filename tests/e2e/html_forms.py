"""Reads an HTML page's forms and submits them as a browser would (the admin panels' pages).

Production's session cookies are Secure; a browser sends them to http://127.0.0.1 (a secure
context) but httpx does not, so Browser keeps the cookies itself, and the Set-Cookie lines for
tests that check their flags."""

from dataclasses import dataclass, field
from html.parser import HTMLParser

import httpx


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


class Browser:
    """One browser tab on the panel: its cookies, the Origin of its forms."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.cookies: dict[str, str] = {}
        self.set_cookie_lines: list[str] = []
        self.http = httpx.Client(base_url=base_url, timeout=30, follow_redirects=False)

    def _send(self, method: str, path: str, **request: object) -> httpx.Response:
        headers = {"Origin": self.base_url, "Referer": f"{self.base_url}{path}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        response = self.http.request(method, path, headers=headers, **request)  # type: ignore[arg-type]
        for line in response.headers.get_list("set-cookie"):
            self.set_cookie_lines.append(line)
            name, _, value = line.split(";", 1)[0].partition("=")
            if value and "max-age=0" not in line.lower():
                self.cookies[name.strip()] = value.strip().strip('"')
            else:
                self.cookies.pop(name.strip(), None)
        return response

    def get(self, path: str) -> httpx.Response:
        return self._send("GET", path)

    def submit(self, page_path: str, field: str, changes: dict[str, str]) -> httpx.Response:
        """Fill in the form of `page_path` that has `field`, as a person would, and send it."""
        page = self.get(page_path)
        assert page.status_code == 200, f"{page_path}: {page.status_code}"
        form = form_with(page.text, field)
        target = httpx.URL(f"{self.base_url}{page_path}").join(form.action or page_path)
        data = form.fields | (form.submit or {}) | changes
        return self._send("POST", target.raw_path.decode(), data=data)

    def close(self) -> None:
        self.http.close()
