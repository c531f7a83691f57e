import os

from django.core.wsgi import get_wsgi_application

from ekiden.startup import GUNICORN_APP_LOAD_ERROR, settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ekiden.settings")
settings_or_exit(exit_code=GUNICORN_APP_LOAD_ERROR)
application = get_wsgi_application()
