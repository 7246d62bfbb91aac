import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matricule.settings")
application = get_wsgi_application()

# Shared by the workers when the server preloads the application (gunicorn --preload).
from matricule.warmup import warm_up  # noqa: E402

warm_up()
