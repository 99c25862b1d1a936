"""Editors of the catalogue: one per role created by the roles migration."""

import pytest
from django.contrib.auth.models import Group


def make_editor(django_user_model, username: str, group: str):
    user = django_user_model.objects.create_user(username=username, password="pw", email=f"{username}@x.test")
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def designer(django_user_model):
    return make_editor(django_user_model, "denis", "Course designers")


@pytest.fixture
def manager(django_user_model):
    return make_editor(django_user_model, "manon", "Programme managers")
