"""The API's documentation: its browser needs no CDN."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


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
