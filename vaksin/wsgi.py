import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vaksin.settings")

from vaksin.lean import lean_application

application = lean_application()
