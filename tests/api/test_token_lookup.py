"""The bearer token is looked up in one prepared query (api.credentials, core.prepared) and
checked against the database on every request: revocation, expiry and a deactivated
account take effect on the next request, in the same server process. The same query
brings the user's own resident (district, street) — credentials only: the score cache
reads the current stored score itself."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from tests.api.conftest import API, assert_error
from tests.client import Client
from xinjumin.accounts.access import access_own_resident, access_resident
from xinjumin.accounts.models import User
from xinjumin.api.credentials import _digest, _token_lookup, api_token_resolve
from xinjumin.api.models import ApiToken
from xinjumin.api.score_cache import _current_score
from xinjumin.core.errors import NotFound
from xinjumin.people.models import Resident
from xinjumin.scoring.models import StoredScore


def _client(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def test_a_token_revoked_elsewhere_is_refused_on_the_next_request(world):
    token = world.token("resident_yz")
    client = _client(token)
    assert client.get(f"{API}/me/score").status_code == 200
    assert client.get(f"{API}/me/score").status_code == 200  # served again (warm)
    # e.g. logged out in another process, or revoked by the security admin
    ApiToken.objects.filter(user=world.users["resident_yz"]).update(revoked_at=timezone.now())
    assert_error(client.get(f"{API}/me/score"), 401, "not_authenticated")


def test_an_expired_token_and_a_deactivated_account_are_refused_at_once(world):
    token = world.token("window_yz")
    client = _client(token)
    assert client.get(f"{API}/residents").status_code == 200
    User.objects.filter(username="window_yz").update(is_active=False)
    assert_error(client.get(f"{API}/residents"), 401, "not_authenticated")
    User.objects.filter(username="window_yz").update(is_active=True)
    assert client.get(f"{API}/residents").status_code == 200
    ApiToken.objects.filter(user=world.users["window_yz"]).update(
        expires_at=timezone.now() - timedelta(seconds=1))
    assert_error(client.get(f"{API}/residents"), 401, "not_authenticated")


def test_logout_through_the_api_chain_ends_the_token(world):
    client = _client(world.token("resident_yz"))
    assert client.get(f"{API}/me").status_code == 200
    assert client.post(f"{API}/auth/logout", content_type="application/json").status_code == 204
    assert_error(client.get(f"{API}/me"), 401, "not_authenticated")


def test_the_token_and_its_user_are_whole_model_instances_in_one_query(
        world, django_assert_num_queries):
    token = world.token("window_yz")
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


def test_last_use_is_written_at_most_once_a_minute(world, django_assert_num_queries):
    token = world.token("resident_yz")
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


def test_malformed_and_unknown_tokens_resolve_to_nothing(world):
    assert api_token_resolve(token="xjt_" + "a" * 200) is None
    assert api_token_resolve(token="not-ours") is None
    assert api_token_resolve(token="xjt_unknown") is None
    assert api_token_resolve(token="xjt_' OR 1=1 --") is None


def test_a_residents_token_brings_their_own_resident_in_the_same_query(
        world, django_assert_num_queries):
    token = world.token("resident_yz")
    api_token_resolve(token=token)  # first use writes last_used_at
    with django_assert_num_queries(1):
        record = api_token_resolve(token=token)
        assert record is not None
        own = access_own_resident(user=record.user)  # no query of its own
        # the scope check of one's own record (e.g. reading one's score) needs none either
        assert access_resident(user=record.user, resident_id=own.pk) is own
    stored = Resident.objects.select_related("district", "street").get(pk=world.adult_yz.pk)
    for field in Resident._meta.concrete_fields:
        assert getattr(own, field.attname) == getattr(stored, field.attname), field.name
    assert own.id_number == world.adult_yz.id_number  # decrypts as a loaded one
    assert own.district == stored.district and own.district.name == stored.district.name
    assert own.street == stored.street and (own.street is None) == (stored.street_id is None)
    assert not own._state.adding and own._state.db == "default"


def test_a_staff_token_has_no_resident_and_the_resident_door_stays_shut(world):
    record = api_token_resolve(token=world.token("window_yz"))
    assert record is not None
    assert record.user.resident_id is None and record.user.resident is None
    with pytest.raises(NotFound):
        access_own_resident(user=record.user)


def test_a_moved_resident_is_read_anew_with_the_next_token_lookup(world):
    token = world.token("resident_yz")
    before = api_token_resolve(token=token)
    assert before is not None and access_own_resident(user=before.user).district_id == "330212"
    Resident.objects.filter(pk=world.adult_yz.pk).update(district_id="330203",
                                                         street_id=None)
    after = api_token_resolve(token=token)
    assert after is not None
    own = access_own_resident(user=after.user)
    assert own.district_id == "330203" and own.district.code == "330203"
    assert own.street is None


def test_authentication_reads_credentials_only(world):
    """The token's query names no score table: the score cache is its own layer."""
    sql = str(_token_lookup(_digest(world.token("resident_yz"))).query)
    assert StoredScore._meta.db_table not in sql
    assert ApiToken._meta.db_table in sql and User._meta.db_table in sql


@pytest.mark.parametrize("lookup", ["token", "current score"])
def test_the_lookups_of_every_request_use_indexes(world, lookup):
    token = world.token("resident_yz")
    queryset = (_token_lookup(_digest(token)) if lookup == "token"
                else _current_score(world.adult_yz.id_hash))
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:  # a scan only where no index can serve
                cur.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    scans = [line for line in plan.splitlines() if re.search(r"Seq Scan|\bSCAN\b", line)]
    assert scans == [], plan
