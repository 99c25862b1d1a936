"""The learner's personal iCalendar feed, under /calendar/ (no language prefix: calendar clients poll it)."""

from django.urls import path

from enrolments.views import feeds

app_name = "learner_feeds"
urlpatterns = [
    path("learners/<str:token>.ics", feeds.learner_feed, name="learner"),
]
