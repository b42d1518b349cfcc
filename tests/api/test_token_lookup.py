"""The bearer token is looked up in one prepared query (api.credentials, api.prepared) and
checked against the database on every request: revocation, expiry and a deactivated
account take effect on the next request, in the same server process."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.api.conftest import API, assert_error
from tests.api.routed import RoutedClient
from xinjumin.accounts.models import User
from xinjumin.api.credentials import api_token_resolve
from xinjumin.api.models import ApiToken


def _client(token: str) -> RoutedClient:
    return RoutedClient(headers={"Authorization": f"Bearer {token}"})


def test_a_token_revoked_elsewhere_is_refused_on_the_next_request(people):
    token = people.token("resident")
    client = _client(token)
    assert client.get(f"{API}/me/score").status_code == 200
    assert client.get(f"{API}/me/score").status_code == 200  # served again (warm)
    # e.g. logged out in another process, or revoked by the security admin
    ApiToken.objects.filter(user=people.users["resident"]).update(revoked_at=timezone.now())
    assert_error(client.get(f"{API}/me/score"), 401, "not_authenticated")


def test_an_expired_token_and_a_deactivated_account_are_refused_at_once(people):
    token = people.token("yinzhou_clerk")
    client = _client(token)
    assert client.get(f"{API}/residents").status_code == 200
    User.objects.filter(username="yinzhou_clerk").update(is_active=False)
    assert_error(client.get(f"{API}/residents"), 401, "not_authenticated")
    User.objects.filter(username="yinzhou_clerk").update(is_active=True)
    assert client.get(f"{API}/residents").status_code == 200
    ApiToken.objects.filter(user=people.users["yinzhou_clerk"]).update(
        expires_at=timezone.now() - timedelta(seconds=1))
    assert_error(client.get(f"{API}/residents"), 401, "not_authenticated")


def test_logout_through_the_api_chain_ends_the_token(people):
    client = _client(people.token("resident"))
    assert client.get(f"{API}/me").status_code == 200
    assert client.post(f"{API}/auth/logout", content_type="application/json").status_code == 204
    assert_error(client.get(f"{API}/me"), 401, "not_authenticated")


def test_the_token_and_its_user_are_whole_model_instances_in_one_query(
        people, django_assert_num_queries):
    token = people.token("yinzhou_clerk")
    assert api_token_resolve(token=token) is not None  # writes last_used_at (first use)
    with django_assert_num_queries(1):  # used within the minute: no write
        record = api_token_resolve(token=token)
    assert record is not None
    stored = ApiToken.objects.select_related("user").get(pk=record.pk)
    for field in ApiToken._meta.concrete_fields:
        assert getattr(record, field.attname) == getattr(stored, field.attname), field.name
    for field in User._meta.concrete_fields:
        assert getattr(record.user, field.attname) == getattr(stored.user, field.attname), (
            field.name)
    assert record.user.district_id == "330212" and record.user.role == "window_staff"
    assert not record._state.adding and record._state.db == "default"
    assert not record.user._state.adding and record.user._state.db == "default"
    # the instances behave as loaded ones: saving updates the row
    record.user.display_name = "改名"
    record.user.save(update_fields=["display_name"])
    assert User.objects.get(pk=record.user.pk).display_name == "改名"


def test_last_use_is_written_at_most_once_a_minute(people, django_assert_num_queries):
    token = people.token("resident")
    record = api_token_resolve(token=token)
    assert record is not None
    assert ApiToken.objects.get(pk=record.pk).last_used_at is not None  # first use
    ApiToken.objects.filter(pk=record.pk).update(
        last_used_at=timezone.now() - timedelta(minutes=2))
    with django_assert_num_queries(2):  # the lookup and the write
        api_token_resolve(token=token)
    assert timezone.now() - ApiToken.objects.get(pk=record.pk).last_used_at < timedelta(
        minutes=1)
    with django_assert_num_queries(1):
        api_token_resolve(token=token)


def test_malformed_and_unknown_tokens_resolve_to_nothing(people):
    assert api_token_resolve(token="xjt_" + "a" * 200) is None
    assert api_token_resolve(token="not-ours") is None
    assert api_token_resolve(token="xjt_unknown") is None
    assert api_token_resolve(token="xjt_' OR 1=1 --") is None
