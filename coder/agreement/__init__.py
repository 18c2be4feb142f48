"""Inter-coder agreement: pure functions over reliability data, tables and span bounds.

Every coefficient comes back as an :class:`AgreementResult` (``value`` ``None`` plus a
``reason`` when it is undefined for the data).  ``docs/AGREEMENT.md`` documents the
formulas, the conventions and the validation.
"""

from .measures import (
    LEVELS,
    AgreementDataError,
    AgreementResult,
    BootstrapResult,
    bootstrap_alpha,
    cohen_kappa,
    contingency_table,
    fleiss_category_kappas,
    fleiss_kappa,
    holsti,
    krippendorff_alpha,
    percent_agreement,
    scott_pi,
)
from .sweep import CharAgreement, Coverage, Split, char_agreement, merge_spans, sweep
from .unitized import UnitizedAlpha, UnitizedAlpha2004, unitized_alpha, unitized_alpha_2004

__all__ = [
    "LEVELS",
    "AgreementDataError",
    "AgreementResult",
    "BootstrapResult",
    "CharAgreement",
    "Coverage",
    "Split",
    "UnitizedAlpha",
    "UnitizedAlpha2004",
    "bootstrap_alpha",
    "char_agreement",
    "cohen_kappa",
    "contingency_table",
    "fleiss_category_kappas",
    "fleiss_kappa",
    "holsti",
    "krippendorff_alpha",
    "merge_spans",
    "percent_agreement",
    "scott_pi",
    "sweep",
    "unitized_alpha",
    "unitized_alpha_2004",
]
