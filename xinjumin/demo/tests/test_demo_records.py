"""The demo population arrives with department records, through the real ingestion, so a
demo resident finds an explained score; the persona is the worked example of §7.7."""

import datetime as dt
from decimal import Decimal

import pytest

from xinjumin.demo import personas
from xinjumin.demo.load import load_demo
from xinjumin.records.models import ImportBatch, SourceRecord
from xinjumin.scoring.tests.reading import score_for

pytestmark = pytest.mark.django_db

D = dt.date(2026, 12, 1)


def test_persona_scores_as_the_worked_example_and_a_reload_changes_nothing():
    load_demo(target=40, today=D)
    stored = SourceRecord.objects.count()
    assert stored > 150

    yinzhou = score_for(id_number=personas.RESIDENT_ID_NUMBER, as_of=D, district="330212")
    assert Decimal(yinzhou["common"]) == Decimal("82.00")
    assert Decimal(yinzhou["score"]) == Decimal("87.00")
    assert Decimal(yinzhou["items"]["admin_penalty"]) == Decimal("-5.00")
    haishu = score_for(id_number=personas.RESIDENT_ID_NUMBER, as_of=D, district="330203")
    assert Decimal(haishu["score"]) == Decimal("82.00")  # the charity item counts in 鄞州 only

    load_demo(target=40, today=D)
    again = ImportBatch.objects.order_by("-pk").first()
    assert SourceRecord.objects.count() == stored
    assert again.created == again.updated == again.rejected == 0
    assert again.unchanged == stored
