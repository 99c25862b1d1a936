"""The public, read-only catalogue API (included by api/urls.py under ``/api/v1/``)."""

from django.urls import path

from api import catalogue_views as views

urlpatterns = [
    path("programmes/", views.ProgrammeList.as_view(), name="programmes"),
    path("themes/", views.ThemeList.as_view(), name="themes"),
    path("partners/", views.PartnerList.as_view(), name="partners"),
    path("trainers/", views.TrainerList.as_view(), name="trainers"),
    path("courses/", views.CourseList.as_view(), name="courses"),
    path("courses/<slug:slug>/", views.CourseDetail.as_view(), name="course"),
    path("sessions/", views.SessionList.as_view(), name="sessions"),
    path("sessions/<str:code>/", views.SessionDetail.as_view(), name="session"),
]
