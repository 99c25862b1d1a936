"""iCalendar feeds, mounted under /calendar/."""

from django.urls import path

from courses import views

app_name = "calendar"
urlpatterns = [
    path("sessions/<str:code>.ics", views.session_ics, name="session"),
    path("courses/<slug:slug>.ics", views.course_ics, name="course"),
    path("catalogue.ics", views.catalogue_ics, name="catalogue"),
]
