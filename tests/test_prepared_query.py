"""PreparedQuery (core.prepared): a values_list queryset compiled once, run again with
other parameter values, gives what the queryset gives, as one logged query; a parameter
the ORM would convert, or one missing from the SQL, is refused on first use."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, connection, transaction
from django.utils import timezone

from xinjumin.accounts.models import User
from xinjumin.api.models import ApiToken
from xinjumin.core.prepared import PreparedQuery

pytestmark = pytest.mark.django_db
FIELDS = ("pk", "kind", "expires_at", "revoked_at", "user__username", "user__is_active",
          "user__date_joined")


def _by_hash(token_hash: str):  # type: ignore[no-untyped-def]
    return ApiToken.objects.filter(token_hash=token_hash).values_list(*FIELDS)


@pytest.fixture
def tokens() -> list[ApiToken]:
    user = User.objects.create(username="admin1", role="city_admin")
    now = timezone.now()
    return [ApiToken.objects.create(user=user, kind="staff", token_hash=f"h{i}",
                                    expires_at=now + timedelta(hours=i),
                                    revoked_at=now if i == 2 else None) for i in range(3)]


def test_rows_are_those_of_the_queryset_converted_alike(tokens, django_assert_num_queries):
    query = PreparedQuery(_by_hash, token_hash=str)
    for token in tokens:
        with django_assert_num_queries(1):
            rows = query.rows(token_hash=token.token_hash)
        assert rows == list(_by_hash(token.token_hash))
        assert len(rows) == 1
        assert rows[0][2] == token.expires_at and rows[0][2].tzinfo is not None
        assert rows[0][5] is True
    assert query.rows(token_hash="h-none") == []
    assert query.rows(token_hash="h0' OR '1'='1") == []  # a value, never SQL


def test_constants_stay_in_the_query(tokens):
    query = PreparedQuery(lambda token_hash: ApiToken.objects.filter(
        token_hash=token_hash, revoked_at__isnull=True, kind="staff").values_list("pk"),
        token_hash=str)
    assert query.rows(token_hash="h1") == [(tokens[1].pk,)]
    assert query.rows(token_hash="h2") == []  # revoked
    ApiToken.objects.filter(pk=tokens[1].pk).update(kind="resident")
    assert query.rows(token_hash="h1") == []


def test_integer_parameters(tokens):
    query = PreparedQuery(lambda pk, user: ApiToken.objects.filter(pk=pk, user=user)
                          .values_list("token_hash"), pk=int, user=int)
    assert query.rows(pk=tokens[1].pk, user=tokens[1].user_id) == [("h1",)]
    assert query.rows(pk=tokens[1].pk, user=tokens[1].user_id + 1) == []
    with pytest.raises(TypeError):
        query.rows(pk=str(tokens[1].pk), user=tokens[1].user_id)


def test_what_cannot_be_prepared_is_refused_on_first_use(tokens):
    converted = PreparedQuery(lambda pk: ApiToken.objects.filter(pk=pk).values_list("pk"),
                              pk=str)
    with pytest.raises(ValueError):  # a text for an integer: the ORM converts it
        converted.rows(pk="1")
    dated = PreparedQuery(lambda at: ApiToken.objects.filter(expires_at__gt=at)
                          .values_list("pk"), at=str)
    with pytest.raises(ValidationError):  # a date parameter: parsed and adapted
        dated.rows(at="2026-01-01 00:00:00")
    unused = PreparedQuery(lambda token_hash: ApiToken.objects.values_list("pk"),
                           token_hash=str)
    with pytest.raises(ValueError, match="unchanged, once"):
        unused.rows(token_hash="h1")
    twice = PreparedQuery(lambda h: ApiToken.objects.filter(token_hash=h, kind=h)
                          .values_list("pk"), h=str)
    with pytest.raises(ValueError, match="unchanged, once"):
        twice.rows(h="h1")
    models = PreparedQuery(lambda h: ApiToken.objects.filter(token_hash=h), h=str)
    with pytest.raises(TypeError):
        models.rows(h="h1")
    flat = PreparedQuery(lambda h: ApiToken.objects.filter(token_hash=h)
                         .values_list("pk", flat=True), h=str)
    with pytest.raises(TypeError):
        flat.rows(h="h1")
    with pytest.raises(TypeError):
        PreparedQuery(lambda at: ApiToken.objects.values_list("pk"), at=float).rows(at=1.0)


def _prepared_statements() -> list[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cur.fetchall()]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares statements")
def test_on_postgresql_the_statement_is_prepared_once_per_connection(tokens):
    query = PreparedQuery(_by_hash, token_hash=str)
    before = [s for s in _prepared_statements() if "api_apitoken" in s]
    for token in tokens * 2:
        assert query.rows(token_hash=token.token_hash) == list(_by_hash(token.token_hash))
    mine = [s for s in _prepared_statements() if "api_apitoken" in s and s not in before]
    assert len(mine) == 1, mine  # one statement, parameters bound on the server
    assert "$1" in mine[0] and "h0" not in mine[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the preparing cursor")
def test_a_database_error_is_djangos_and_the_connection_goes_on(tokens):
    query = PreparedQuery(lambda token_hash: ApiToken.objects.filter(
        token_hash=token_hash).values_list("pk"), token_hash=str)
    assert query.rows(token_hash="h0") == [(tokens[0].pk,)]
    with pytest.raises(DataError), transaction.atomic():
        query.rows(token_hash="\x00")  # PostgreSQL takes no NUL in text
    assert query.rows(token_hash="h1") == [(tokens[1].pk,)]
