"""The registration journeys through the API: a home chosen from complex → building → unit,
a declaration (a retry registers once) and its certificate checked publicly; a landlord's
report with its own key, confirmed by the resident; a clerk at the counter; bad input."""

from __future__ import annotations

import datetime as dt

from tests.api.conftest import API, assert_error
from xinjumin.api.credentials import reporter_key_create
from xinjumin.records.models import SourceRecord
from xinjumin.registrations.models import Registration

REG = f"{API}/registrations"


def _post(client, path, body, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(path, body, content_type="application/json", headers=headers)


def _home(client):
    """The home a resident picks: 鄞州 → 下应新村 → building 12 → unit 301."""
    complexes = client.get(f"{API}/geo/complexes",
                           {"district": "330212", "contains": "下应"}).json()
    assert [c["code"] for c in complexes] == ["YZ-XY-0001"]
    detail = client.get(f"{API}/geo/complexes/YZ-XY-0001").json()
    building = next(b for b in detail["buildings"] if b["number"] == "12")
    return next(u for u in building["units"] if u["number"] == "301")["id"]


def test_a_declaration_its_certificate_and_the_public_check(world):
    resident = world.client("resident_yz")
    unit = _home(resident)
    url = f"{REG}/residents/{world.adult_yz.pk}/declare"
    today = dt.date.today()
    body = {"arrived_on": (today - dt.timedelta(days=1)).isoformat(), "unit_id": unit}
    first = _post(resident, url, body, "declare-00001")
    assert first.status_code == 201, first.content
    reg = first.json()
    again = _post(resident, url, body, "declare-00001")
    assert again.json()["id"] == reg["id"] and Registration.objects.count() == 1
    assert (reg["status"], reg["late"], reg["home"]["complex_name"]) == (
        "active", False, "下应新村")
    assert SourceRecord.objects.filter(record_id=f"XJM-R-{reg['number']}").exists()
    mine = resident.get(f"{REG}/me").json()
    assert [r["number"] for r in mine] == [reg["number"]]

    anyone = world.client()
    shown = anyone.get(f"{REG}/verify", {"n": reg["number"], "c": reg["verification_code"]})
    assert shown.status_code == 200, shown.content
    assert shown.json()["in_force"] and shown.json()["name"] == "张*明"
    assert world.adult_yz.id_number not in shown.content.decode()
    wrong = anyone.get(f"{REG}/verify", {"n": reg["number"], "c": "AAAAAAAA"})
    assert_error(wrong, 404, "not_found")


def test_a_landlord_reports_and_the_resident_confirms(world):
    issued = reporter_key_create(name="王房东", kind="landlord")
    landlord = world.client(**{"X-Reporter-Key": issued.key})
    unit = _home(world.client())
    body = {"id_number": world.adult_yz.id_number, "name": "张伟明",
            "arrived_on": (dt.date.today() - dt.timedelta(days=2)).isoformat(),
            "unit_id": unit}
    sent = _post(landlord, f"{REG}/reports", body, "landlord-0001")
    assert sent.status_code == 201, sent.content
    assert sent.json()["status"] == "pending"
    # the key reports and sees nothing: not the resident's data, nor a registration
    assert landlord.get(f"{REG}/{sent.json()['id']}").status_code == 401
    assert not SourceRecord.objects.filter(type="residence_registration").exists()
    resident = world.client("resident_yz")
    [pending] = resident.get(f"{REG}/me").json()
    assert (pending["status"], pending["reporter_name"]) == ("pending", "王房东")
    confirmed = _post(resident, f"{REG}/{pending['id']}/confirm", {})
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["status"] == "active"
    assert_error(_post(resident, f"{REG}/{pending['id']}/reject", {}), 409,
                 "registration_not_pending")
    wrong_name = _post(landlord, f"{REG}/reports", {**body, "name": "张伟"}, "landlord-0002")
    assert "name" in assert_error(wrong_name, 400, "invalid")["fields"]
    department_key = world.client(**{"X-API-Key": "xjk_nothing_here"})
    assert _post(department_key, f"{REG}/reports", body, "landlord-0003").status_code == 401


def test_a_clerk_registers_at_the_counter_and_bad_input_is_named(world):
    clerk = world.client("window_yz")
    unit = _home(clerk)
    url = f"{REG}/residents/{world.spouse_yz.pk}/declare"
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    bad = _post(clerk, url, {"arrived_on": future, "unit_id": 999999,
                             "employer_uscc": "91350100M000100Y44"}, "counter-0001")
    fields = assert_error(bad, 400, "invalid")["fields"]
    assert set(fields) == {"arrived_on", "unit", "employer_uscc", "document"}
    assert "不能晚于今天" in fields["arrived_on"] and "future" in fields["arrived_on"]
    assert not Registration.objects.exists()
    ok = _post(clerk, url, {"arrived_on": dt.date.today().isoformat(), "unit_id": unit,
                            "employer_uscc": "91350100M000100Y43", "document": "id_card"},
               "counter-0001")
    assert ok.status_code == 201, ok.content
    assert (ok.json()["channel"], ok.json()["assisted"]) == ("counter", True)
    elsewhere = world.client("window_hs")
    assert elsewhere.get(f"{REG}/{ok.json()['id']}").status_code == 404
