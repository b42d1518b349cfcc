"""The sample feeds sent through the API give exactly expected_scores.csv through the API;
the explained score for the resident and for staff; department records with history;
scope (404 across districts).

The samples are sent once per module (inside a transaction rolled back at the end), as the
departments would: each source with its own key, in batches, in arrival order.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass

import pytest
from django.db import transaction

from points.feeds.schema import TYPES_BY_SOURCE
from points.tests.samples import JSONL, expected_by_id
from tests.api.conftest import API, assert_error
from tests.client import Client
from xinjumin.accounts.models import User
from xinjumin.accounts.services import resident_account_for, staff_create
from xinjumin.api.credentials import api_key_create, api_token_issue
from xinjumin.audit.models import AuditEvent
from xinjumin.people.models import Resident
from xinjumin.people.services import resident_create

AS_OF = "2026-12-01"
DISTRICTS = ("330203", "330205", "330206", "330211", "330212", "330213", "330225",
             "330226", "330281", "330282")
EXPECTED = expected_by_id()
NO_DIPLOMA = next(i for i, r in EXPECTED.items() if r["is_minor"] == "false"
                  and r["education"] == "0.00")
SPOUSE_HOME = "500236199712304659"  # housing 10 from the spouse's home (masked for them)
BATCH = 200


@dataclass
class Sample:
    tokens: dict[str, str]
    residents: dict[str, Resident]
    batches: int

    def client(self, who: str) -> Client:
        return Client(headers={"Authorization": f"Bearer {self.tokens[who]}"})


def _rows() -> list[dict]:
    rows = []
    for path in sorted(JSONL.glob("*.jsonl")):
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
                 if line.strip()]
    return rows


def _homes(rows: list[dict]) -> dict[str, str]:
    homes: dict[str, tuple[str, str]] = {}
    for r in rows:
        if r["type"] == "residence_registration" and r.get("district"):
            seen = homes.get(r["id_number"])
            if seen is None or r["registered_on"] >= seen[0]:
                homes[r["id_number"]] = (r["registered_on"], r["district"])
    return {k: v[1] for k, v in homes.items()}


def _name(n: int) -> str:
    digits = "零一二三四五六七八九"
    return f"居民{digits[n // 10]}{digits[n % 10]}"


def _send_samples(rows: list[dict]) -> int:
    keys = {s: api_key_create(name=f"{s} system", source=s, record_types=list(types)).key
            for s, types in TYPES_BY_SOURCE.items()}
    by_source: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_source[r["source"]].append(r)
    sent = 0
    for source, records in by_source.items():
        client = Client(headers={"X-API-Key": keys[source]})
        for i in range(0, len(records), BATCH):
            response = client.post(f"{API}/feeds/records",
                                   json.dumps({"records": records[i:i + BATCH]}),
                                   content_type="application/json")
            assert response.status_code == 200, response.content
            rejected = [r for r in response.json()["results"]
                        if r["outcome"] in ("rejected", "identity_change")]
            assert not rejected, rejected
            sent += 1
    return sent


@pytest.fixture(scope="module")
def sample(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock(), transaction.atomic():
        rows = _rows()
        batches = _send_samples(rows)
        homes = _homes(rows)
        residents = {i: resident_create(id_number=i, name=_name(n),
                                        district=homes.get(i, "330212"))
                     for n, i in enumerate(EXPECTED)}
        staff = {name: staff_create(username=f"api.{name}", password="Correct-Horse-42!", role=role,
                                    district=district)
                 for name, role, district in (("city", "city_admin", None),
                                              ("yz", "window_staff", "330212"),
                                              ("hs", "window_staff", "330203"))}
        tokens = {k: api_token_issue(user=u, kind="staff").token for k, u in staff.items()}
        for i in (NO_DIPLOMA, SPOUSE_HOME):
            tokens[i] = api_token_issue(user=resident_account_for(residents[i]),
                                        kind="resident").token
        yield Sample(tokens=tokens, residents=residents, batches=batches)
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_samples_through_the_api_give_exactly_the_expected_scores(sample):
    client = sample.client("city")
    wrong = []
    for id_number, row in EXPECTED.items():
        resident = sample.residents[id_number]
        body = client.get(f"{API}/residents/{resident.pk}/score",
                          {"as_of": AS_OF}).json()
        home = body.get("home_district") or ""
        got = {"common": body.get("common"), "home": body.get("score"),
               "minor": body.get("is_minor")}
        want = {"common": row["common"] or None,
                "home": row.get(f"score_{home}") or None if home else None,
                "minor": row["is_minor"] == "true"}
        if got != want:
            wrong.append(f"{id_number} home {home}: got {got}, expected {want}")
    assert not wrong, f"{len(wrong)} of {len(EXPECTED)} differ:\n" + "\n".join(wrong)
    assert sample.batches > 1


def test_score_in_every_district_for_one_resident(sample):
    resident = sample.residents[NO_DIPLOMA]
    client = sample.client("city")
    got = {d: client.get(f"{API}/residents/{resident.pk}/score",
                         {"as_of": AS_OF, "district": d}).json()["score"] for d in DISTRICTS}
    assert got == {d: EXPECTED[NO_DIPLOMA][f"score_{d}"] for d in DISTRICTS}


def test_resident_reads_their_explained_score_with_hints(sample):
    body = sample.client(NO_DIPLOMA).get(f"{API}/me/score", {"as_of": AS_OF}).json()
    assert body["common"] == EXPECTED[NO_DIPLOMA]["common"]
    items = {i["key"]: i for c in body["categories"] for i in c["items"]}
    education = items["education"]
    assert (education["points"], education["max"], education["below_max"]) == (
        "0.00", "10.00", True)
    assert {"zh": "未查询到学历记录: 可提交学历证明材料",
            "en": "no diploma on record: submit evidence"} in education["hints"]
    assert education["rule_zh"]
    permit = items["permit"]["records"][0]
    assert permit["department"]["name_zh"] == "公安局"
    assert dt.date.fromisoformat(permit["date"])
    assert NO_DIPLOMA not in json.dumps(body)


def test_another_persons_record_is_masked_for_the_resident(sample):
    body = sample.client(SPOUSE_HOME).get(f"{API}/me/score", {"as_of": AS_OF}).json()
    housing = next(i for c in body["categories"] for i in c["items"] if i["key"] == "housing")
    home = next(r for r in housing["records"] if r["type"] == "home_ownership")
    assert home["concerns"] == "spouse" and home["person"] == "3413**********2762"
    assert "complex_id" not in home["fields"]
    spouses = {r["spouse_id_number"] for r in _rows() if r["type"] == "marriage"
               and r["id_number"] == SPOUSE_HOME} | {
        r["id_number"] for r in _rows() if r["type"] == "marriage"
        and r.get("spouse_id_number") == SPOUSE_HOME}
    text = json.dumps(body)
    assert spouses and not any(s in text for s in spouses | {SPOUSE_HOME})


def test_staff_reads_records_with_history_and_the_read_is_audited(sample):
    resident = sample.residents[NO_DIPLOMA]
    body = sample.client("city").get(f"{API}/residents/{resident.pk}/records").json()
    sources = [d["department"]["code"] for d in body["departments"]]
    assert "PSB" in sources
    psb = next(d for d in body["departments"] if d["department"]["code"] == "PSB")
    registration = next(r for r in psb["records"] if r["type"] == "residence_registration")
    assert registration["type_name_zh"] == "居住登记"
    assert [v["version"] for v in registration["versions"]][-1] == registration["version"]
    assert AuditEvent.objects.filter(action="resident.read", object_id=str(resident.pk),
                                     detail__purpose="records").exists()


def test_a_haishu_clerk_gets_404_for_a_yinzhou_residents_score_and_records(sample):
    yinzhou = next(r for r in sample.residents.values() if r.district_id == "330212")
    for path in ("score", "records"):
        assert_error(sample.client("hs").get(f"{API}/residents/{yinzhou.pk}/{path}"), 404)
        assert sample.client("yz").get(
            f"{API}/residents/{yinzhou.pk}/{path}", {"as_of": AS_OF}
            if path == "score" else {}).status_code == 200


def test_bad_district_is_a_field_error_and_residents_cannot_use_staff_paths(sample):
    body = assert_error(sample.client(NO_DIPLOMA).get(f"{API}/me/score",
                                                      {"district": "330204"}), 400)
    assert "district" in body["fields"]
    resident = sample.residents[NO_DIPLOMA]
    assert_error(sample.client(NO_DIPLOMA).get(f"{API}/residents/{resident.pk}/score"), 403)
    assert_error(sample.client("city").get(f"{API}/me/score"), 403)
    assert User.objects.filter(username="api.city").exists()
