import os

from django.core.wsgi import get_wsgi_application

from itplus.store.config.home import home_prepare

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itplus.store.settings")
home_prepare()
application = get_wsgi_application()
