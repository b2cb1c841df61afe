"""Spanish as written in Chile: "35.000", "1,5", "31-12-2025 14:05".

The *_FORMAT strings use Django's date syntax, the *_INPUT_FORMATS strptime's. Input
also takes ISO dates ("2025-12-31"): that is what a browser's ``<input type="date">``
sends, and the CSV/API side writes.
"""

DATE_FORMAT = "d-m-Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "d-m-Y H:i"
YEAR_MONTH_FORMAT = r"F \d\e Y"
MONTH_DAY_FORMAT = r"j \d\e F"
SHORT_DATE_FORMAT = "d-m-Y"
SHORT_DATETIME_FORMAT = "d-m-Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday

DATE_INPUT_FORMATS = [
    "%d-%m-%Y",  # '31-12-2025'
    "%d/%m/%Y",  # '31/12/2025'
    "%d-%m-%y",  # '31-12-25'
    "%d/%m/%y",  # '31/12/25'
    "%Y-%m-%d",  # '2025-12-31' (ISO, <input type="date">)
]
TIME_INPUT_FORMATS = [
    "%H:%M",  # '14:30'
    "%H:%M:%S",  # '14:30:59'
    "%H:%M:%S.%f",  # '14:30:59.000200'
]
DATETIME_INPUT_FORMATS = [
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M:%S.%f",
    "%d-%m-%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d-%m-%y %H:%M",
    "%d/%m/%y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",  # <input type="datetime-local">
]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
