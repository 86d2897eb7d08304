"""GET /api/v1/schema.json: the report's JSON Schema (docs/report.schema.json), cacheable."""
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "docs" / "report.schema.json"
URL = "/api/v1/schema.json"


def test_the_schema_is_served_as_json_schema(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/schema+json"
    assert response.content == SCHEMA_FILE.read_bytes()
    body = response.json()
    assert body["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(body)


def test_the_url_has_a_name():
    from django.urls import reverse

    assert reverse("api-schema") == URL


def test_it_is_cacheable_and_public(client):
    response = client.get(URL)
    assert "public" in response["Cache-Control"] and "max-age=3600" in response["Cache-Control"]
    assert "no-store" not in response["Cache-Control"]
    assert response["ETag"].startswith('"') and response["ETag"].endswith('"')
    assert response["Access-Control-Allow-Origin"] == "*"


def test_a_matching_etag_gets_304_with_the_same_caching_headers(client):
    etag = client.get(URL)["ETag"]
    response = client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert "max-age=3600" in response["Cache-Control"]


def test_a_stale_etag_gets_the_schema(client):
    response = client.get(URL, HTTP_IF_NONE_MATCH='"0123"')
    assert response.status_code == 200
    assert json.loads(response.content)["type"] == "object"


def test_head_works(client):
    response = client.head(URL)
    assert response.status_code == 200
    assert response["ETag"]


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_other_methods_get_a_json_405(client, method):
    response = getattr(client, method)(URL)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert "method not allowed" in response.json()["error"]


def test_the_served_schema_validates_a_report(client):
    from tests.test_report_schema import sample_report

    schema = client.get(URL).json()
    assert list(Draft202012Validator(schema).iter_errors(sample_report())) == []
