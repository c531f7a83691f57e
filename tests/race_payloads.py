"""Race files shared by test modules, in the import_race JSON shape."""

# A three-leg race with the ALEPS categories, small enough to reason about by hand.
KL_EKIDEN = {
    "slug": "kl-ekiden",
    "name": "KL Ekiden",
    "date": "2025-11-23",
    "timezone": "Asia/Kuala_Lumpur",
    "start_time": "06:30:00",
    "kuriage_minutes": 20,
    "stations": [
        {"code": "START", "name": "Start", "km": 0},
        {"code": "R1", "name": "Relay 1", "km": 5},
        {"code": "R2", "name": "Relay 2", "km": 10},
        {"code": "FINISH", "name": "Finish", "km": 15},
    ],
    "categories": [
        {"code": "MX", "name": "Mixed Open", "min_women": 1, "min_men": 1},
        {"code": "MO", "name": "Men Open", "min_men": 3},
        {"code": "MXS", "name": "Mixed Senior", "min_women": 1, "min_men": 1, "min_age": 40},
    ],
}
