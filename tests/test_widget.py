"""The widget script as served: one file from widget/, small, cacheable, free of unsafe calls."""

import gzip
import re

import pytest

from slotwise.widget import MODULES, SCRIPT_PATH, WIDGET_DIR, assemble

MAX_GZIPPED_BYTES = 15 * 1024


def test_the_script_is_served_as_javascript_that_any_page_may_load(client):
    response = client.get(SCRIPT_PATH)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.text == assemble()


def test_the_script_is_every_module_in_order_inside_one_function(client):
    script = client.get(SCRIPT_PATH).text

    positions = [script.index(f"// widget/{name}\n") for name in MODULES]
    assert positions == sorted(positions)
    assert script.count("(() => {") == 1
    assert script.rstrip().endswith("})();")
    for name in MODULES:
        assert (WIDGET_DIR / name).read_text() in script


def test_the_etag_is_strong_and_a_matching_request_gets_304(client):
    etag = client.get(SCRIPT_PATH).headers["ETag"]

    again = client.get(SCRIPT_PATH, headers={"If-None-Match": etag})

    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "public, max-age=300"


def test_a_stale_etag_gets_the_whole_script(client):
    response = client.get(SCRIPT_PATH, headers={"If-None-Match": '"0123456789abcdef"'})

    assert response.status_code == 200
    assert response.text == assemble()


def test_the_served_script_stays_under_15_kb_gzipped(client):
    body = client.get(SCRIPT_PATH).content

    assert len(gzip.compress(body, compresslevel=9)) <= MAX_GZIPPED_BYTES


@pytest.mark.parametrize(
    "unsafe",
    [
        r"\beval\s*\(",
        r"\bnew\s+Function\b",
        r"\.innerHTML\s*=",
        r"\.outerHTML\s*=",
        r"insertAdjacentHTML",
        r"document\.write",
        r"setAttribute\(\s*[\"']on",
        r"\bon[a-z]+=[\"']",
    ],
)
def test_the_widget_source_never_evaluates_code_or_writes_html(unsafe):
    for name in MODULES:
        source = (WIDGET_DIR / name).read_text()
        assert not re.search(unsafe, source), f"{name} matches {unsafe}"


def test_the_readme_documents_every_module_in_load_order():
    readme = (WIDGET_DIR / "README.md").read_text()

    positions = [readme.index(f"`{name}`") for name in MODULES]
    assert positions == sorted(positions)
