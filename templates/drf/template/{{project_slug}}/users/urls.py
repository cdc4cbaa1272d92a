from django.urls import path
from rest_framework.routers import SimpleRouter

from . import login
from .views import SecureView, UserViewSet

# No trailing slash: /users and /users/<id>, exactly as the HTTP contract says.
router = SimpleRouter(trailing_slash=False)
router.register("users", UserViewSet)

urlpatterns = [
    *login.urlpatterns,
    path("secure", SecureView.as_view(), name="secure"),
    *router.urls,
]
