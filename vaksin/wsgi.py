import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vaksin.settings")

from vaksin.lean import lean_application
from vaksin.warm import warm_up

application = lean_application()
warm_up()
