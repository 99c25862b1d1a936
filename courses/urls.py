"""iCalendar feeds, mounted under /calendar/."""

app_name = "calendar"
urlpatterns: list = []
