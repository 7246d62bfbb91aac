import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matricule.settings")
application = get_wsgi_application()

# Shared by the workers when the server preloads the application (gunicorn --preload).
from matricule.warmup import freeze_startup_heap, warm_up  # noqa: E402

warm_up()
freeze_startup_heap()
