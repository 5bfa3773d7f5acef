"""The admin project page, measured with a session cookie from the login form.

Skipped when the running app has no login page or project page yet.
"""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

from bench.seed import SCORERS, run_id, run_row, score_id
from bench.servers import Server
from bench.settings import ENTITY, Profile

CSRF_FIELD = re.compile(
    r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"'
)


def pages(profile: Profile) -> list[tuple[str, str]]:
    """(label, query string) of each page to time: first, deep and filtered."""
    deep_id = score_id(int(profile.scores * profile.deep))
    run = run_id(3, profile)
    run_deep_id = score_id(run_row(3, profile.deep, profile))
    scorer = urllib.parse.quote(SCORERS[1], safe="")
    return [
        ("first page", ""),
        (
            f"deep page (after row {int(profile.scores * profile.deep):,})",
            f"?sort=old&after={deep_id}",
        ),
        ("filter evaluation_run_id", f"?evaluation_run_id={run}"),
        (
            "filter evaluation_run_id, deep",
            f"?evaluation_run_id={run}&sort=old&after={run_deep_id}",
        ),
        ("filter scorer", f"?scorer={scorer}"),
    ]


def login(server: Server, username: str, password: str) -> str | None:
    """The Cookie header of a signed-in session, or None when the app has no login page."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    try:
        with opener.open(server.base_url + "/login", timeout=10) as response:
            html = response.read().decode()
    except urllib.error.HTTPError:
        return None
    match = CSRF_FIELD.search(html)
    form = {"username": username, "password": password, "csrf_token": ""}
    if match:
        form["csrf_token"] = match.group(1) or match.group(2)
    data = urllib.parse.urlencode(form).encode()
    try:
        with opener.open(server.base_url + "/login", data=data, timeout=10) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"login failed with {exc.code}") from None
    cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)
    return cookies or None


def page_exists(server: Server, path: str, cookie: str) -> bool:
    request = urllib.request.Request(server.base_url + path, headers={"Cookie": cookie})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status == 200
    except urllib.error.HTTPError:
        return False


def project_path(profile: Profile) -> str:
    return f"/p/{ENTITY}/{profile.project}"
