"""Pages of the agreements app outside any organization: anyone holding a signed PDF verifies it here.

Included at the site's root by `alliance.urls` by name (a string), so the core never imports this app. No
namespace: `{% url 'verify' %}` is printed in every sealed PDF and must not change.
"""

from django.urls import path

from agreements.views import verify

urlpatterns = [
    path("verify/", verify.verify, name="verify"),
]
