"""The API's documentation: the schema describes the results, and its browser needs no CDN."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

RESULTS_PATH = "/api/v1/races/{slug}/results"


@pytest.fixture
def schema(client) -> dict:
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def resolve(schema: dict, node: dict) -> dict:
    """The object a `$ref` (or an allOf of one, as nullable refs come) points at."""
    if "allOf" in node:
        node = node["allOf"][0]
    if "$ref" in node:
        name = node["$ref"].removeprefix("#/components/schemas/")
        return schema["components"]["schemas"][name]
    return node


class TestResultsSchema:
    def test_the_results_are_described_field_by_field(self, schema):
        body = schema["paths"][RESULTS_PATH]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ]
        document = resolve(schema, body)
        assert set(document["properties"]) == {"race", "state", "stations", "teams"}
        assert resolve(schema, document["properties"]["state"])["enum"] == [
            "upcoming",
            "live",
            "provisional",
            "official",
        ]
        assert document["properties"]["stations"] == {
            "type": "array",
            "items": {"type": "string"},
            "description": "Station codes in course order.",
        }
        team = resolve(schema, document["properties"]["teams"]["items"])
        assert set(team["properties"]) == {
            "bib",
            "name",
            "category",
            "status",
            "total_ms",
            "rank",
            "category_rank",
            "legs",
            "stations",
        }
        leg = resolve(schema, team["properties"]["legs"]["items"])
        assert set(leg["properties"]) == {"leg", "runner", "time_ms", "rank", "category_rank", "kuriage"}
        station = resolve(schema, team["properties"]["stations"]["items"])
        assert set(station["properties"]) == {"station", "cumulative_ms", "rank"}

    def test_what_the_contract_allows_to_be_unknown_is_nullable(self, schema):
        document = resolve(
            schema,
            schema["paths"][RESULTS_PATH]["get"]["responses"]["200"]["content"]["application/json"]["schema"],
        )
        team = resolve(schema, document["properties"]["teams"]["items"])
        leg = resolve(schema, team["properties"]["legs"]["items"])
        station = resolve(schema, team["properties"]["stations"]["items"])

        def nullable(obj: dict) -> set[str]:
            return {name for name, prop in obj["properties"].items() if prop.get("nullable")}

        assert nullable(team) == {"total_ms", "rank", "category_rank"}
        assert nullable(leg) == {"runner", "time_ms", "rank", "category_rank"}
        assert nullable(station) == {"cumulative_ms", "rank"}
        assert set(resolve(schema, team["properties"]["status"])["enum"]) == {
            "FIN",
            "RUN",
            "DNF",
            "DNS",
            "DQ",
        }
        assert team["properties"]["total_ms"]["type"] == "integer"
        assert leg["properties"]["kuriage"]["type"] == "boolean"


class TestApiDocsPage:
    def test_scripts_and_styles_come_from_this_site(self, client):
        response = client.get("/api/v1/docs/")
        assert response.status_code == 200
        page = response.content.decode()
        assert not re.search(r"cdn|jsdelivr|unpkg", page, re.IGNORECASE)
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
        assert '<script src="/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js">' in page
        assert 'href="/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css"' in page

    def test_the_files_it_names_are_in_the_installed_packages(self, client):
        # collectstatic copies them for WhiteNoise to serve; here it is enough that they exist.
        page = client.get("/api/v1/docs/").content.decode()
        paths = re.findall(r'(?:src|href)="/static/([^"]+)"', page)
        assert len(paths) == 4
        for path in paths:
            assert finders.find(path), path
