"""Published industry figures shown beside ours, for context only.

They are survey figures: each source counts something different (projects, POCs, custom tools),
over a different population and period, so none is directly comparable with our
pilot-to-production conversion or p_production_12m. Always show them labelled with their source.
"""
from __future__ import annotations

from analytics.metrics.types import ReferenceFigure

SHARE = "share"
MONTHS = "months"

REFERENCE_FIGURES: tuple[ReferenceFigure, ...] = (
    ReferenceFigure(
        key="gartner_2024_production",
        source="Gartner, AI in Organizations survey (press release 7 May 2024)",
        year=2024,
        value=0.48,
        unit=SHARE,
        statement="On average, only 48% of AI projects make it into production.",
        definition="Share of AI projects reported by surveyed organisations (Q4 2023, US, Germany, UK) "
                   "that reach production; self-reported, all project types, no time limit.",
        url="https://www.gartner.com/en/newsroom/press-releases/2024-05-07-gartner-survey-finds-"
            "generative-ai-is-now-the-most-frequently-deployed-ai-solution-in-organizations",
    ),
    ReferenceFigure(
        key="gartner_2024_months",
        source="Gartner, AI in Organizations survey (press release 7 May 2024)",
        year=2024,
        value=8.0,
        unit=MONTHS,
        statement="It takes about 8 months to go from AI prototype to production.",
        definition="Self-reported average time from prototype to production among projects that made "
                   "it; comparable in spirit to our median_days_observed, not to p_production_12m.",
        url="https://www.gartner.com/en/newsroom/press-releases/2024-05-07-gartner-survey-finds-"
            "generative-ai-is-now-the-most-frequently-deployed-ai-solution-in-organizations",
    ),
    ReferenceFigure(
        key="idc_lenovo_2025_pocs",
        source="IDC CIO Playbook 2025, commissioned by Lenovo (reported by CIO.com, March 2025)",
        year=2025,
        value=4 / 33,
        unit=SHARE,
        statement="For every 33 AI POCs a company launched, only four graduated to production.",
        definition="Proofs of concept reaching wide-scale deployment, across surveyed companies; counts "
                   "POCs, not initiatives, with no time window.",
        url="https://www.cio.com/article/3850763/88-of-ai-pilots-fail-to-reach-production-but-thats-"
            "not-all-on-it.html",
    ),
    ReferenceFigure(
        key="sp_global_2025_scrapped",
        source="S&P Global Market Intelligence (451 Research), Voice of the Enterprise: AI & Machine "
               "Learning, Use Cases 2025",
        year=2025,
        value=0.46,
        unit=SHARE,
        statement="The average organisation scrapped 46% of its AI proofs of concept before they "
                  "reached production.",
        definition="Share of POCs abandoned before production, averaged over ~1,000 organisations in "
                   "North America and Europe; the complement is not 'reached production' (some are "
                   "still running).",
        url="",
    ),
    ReferenceFigure(
        key="mit_nanda_2025_custom_tools",
        source="MIT NANDA, The GenAI Divide: State of AI in Business 2025",
        year=2025,
        value=0.05,
        unit=SHARE,
        statement="Only 5% of custom enterprise AI tools reach implementation (production).",
        definition="Generative-AI custom tools evaluated by organisations that reached implementation; "
                   "interviews, a survey of 153 leaders and 300 public initiatives; counts from "
                   "'investigated', not from pilot start.",
        url="https://mlq.ai/media/quarterly_decks/v0.1_State_of_AI_in_Business_2025_Report.pdf",
    ),
)

REFERENCE_CAVEAT = (
    "Survey figures from different sources with differing definitions (projects, POCs, custom "
    "tools; self-reported; no common time window). Context only, not a benchmark for our numbers."
)
