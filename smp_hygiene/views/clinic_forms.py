"""The form of a clinic's sterilisation settings, shown to admins on the clinic settings page and
on the sterilisation settings page. Auditors only read the values there: these rules check their
own work (an overdue spore test warns or blocks), so they must not be able to loosen them."""

from __future__ import annotations

from wtforms import BooleanField, SelectField
from wtforms.validators import Optional

from smp_hygiene.models import OverdueMode
from smp_hygiene.views.forms import BaseForm, WholeNumberField, choices
from smp_hygiene.views.ids import whole_number

_CI_CLASSES = choices((n, f"Type {n}") for n in range(1, 7))


class SettingsForm(BaseForm):
    """How strictly the clinic runs its sterilisation: spore test interval, packs, indicators."""

    spore_test_interval_days = SelectField(
        "Spore test every",
        choices=choices([(7, "7 days (CDC)"), (30, "30 days (body-art codes)")]),
        coerce=whole_number,
    )
    spore_test_overdue_mode = SelectField(
        "When overdue", choices=choices((m.value, m.value) for m in OverdueMode)
    )
    reports_positive_bi = BooleanField("Report positive spore tests to the health authority")
    pack_shelf_life_days = WholeNumberField(
        "Pack shelf life in days (blank: no date, good until opened, wet or torn)",
        validators=[Optional()],
        low=1,
        high=366,
    )
    requires_daily_bowie_dick = BooleanField("Daily Bowie-Dick test on pre-vacuum sterilisers")
    min_chemical_indicator_class = SelectField(
        "Lowest accepted chemical indicator", choices=_CI_CLASSES, coerce=whole_number
    )

    def values(self) -> dict:
        return {
            "spore_test_interval_days": self.spore_test_interval_days.data,
            "spore_test_overdue_mode": OverdueMode(self.spore_test_overdue_mode.data),
            "reports_positive_bi": self.reports_positive_bi.data,
            "pack_shelf_life_days": self.pack_shelf_life_days.data,
            "requires_daily_bowie_dick": self.requires_daily_bowie_dick.data,
            "min_chemical_indicator_class": self.min_chemical_indicator_class.data,
        }
