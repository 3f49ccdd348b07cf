"""Calendar arithmetic on birth dates, ages and yearly periods."""

from __future__ import annotations

from datetime import date


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (or earlier when negative); 29 February falls back to the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 2, 28)


def age_on(birth: date, day: date) -> int:
    """Age in whole years on ``day`` of a person born on ``birth``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
