from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from ekiden.health import healthz


class SchemaWithSlashView(SpectacularAPIView):
    schema = None  # served, but not listed in the schema a second time


# An address the API does not have answers in the API's error shape, as its other refusals.
handler404 = "ekiden.request_input.not_found"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    # No CSRF token: the switch only sets the reader's language cookie, and a token would make
    # every public page per-reader, so it could be neither cached nor safely compressed.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    # The contract's path, and the one with a slash that the first release published.
    path("api/v1/schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/schema/", SchemaWithSlashView.as_view()),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("results.api_urls")),
    path("officials/", include("results.officials.urls")),
    path("", include("races.urls")),
    path("", include("results.following.urls")),
    path("", include("results.publishing.urls")),
]
