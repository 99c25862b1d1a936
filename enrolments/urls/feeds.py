"""The personal iCalendar feeds of learners and organisations, under /calendar/ (no language prefix)."""

from django.urls import path

from enrolments.views import feeds, organisation_feed

app_name = "learner_feeds"
urlpatterns = [
    path("learners/<str:token>.ics", feeds.learner_feed, name="learner"),
    path("organisations/<str:token>.ics", organisation_feed.organisation_feed, name="organisation"),
]
