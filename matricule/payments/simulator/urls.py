from django.urls import path

from . import views

app_name = "payment-simulator"

urlpatterns = [
    path("payer/", views.card, name="card"),
    path("carte/", views.pay, name="pay"),
]
