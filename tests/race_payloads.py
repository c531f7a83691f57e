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

# Two teams of the KL race, with runner bibs and chip ids (the admin and keypad tests).
#: A second race, for what one race's officials and devices may not do in another.
PENANG = {**KL_EKIDEN, "slug": "penang-ekiden", "name": "Penang Ekiden"}

KL_ENTRIES = """team_bib,team_name,category,leg,runner_name,gender,birth_date,club,runner_bib,chip_id
101,Harimau Striders,MX,1,Siti Aminah binti Ibrahim,F,1980-03-14,KL Harriers,101-1,CHIP1011
101,Harimau Striders,MX,2,Tan Wei Ming,M,1978-07-01,,101-2,CHIP1012
101,Harimau Striders,MX,3,Lakshmi Menon,F,1975-12-19,,101-3,CHIP1013
102,Japanese Club of KL,MO,1,佐藤 健,M,1984-01-12,,102-1,CHIP1021
102,Japanese Club of KL,MO,2,Rajesh s/o Krishnan,M,1976-11-06,,102-2,CHIP1022
102,Japanese Club of KL,MO,3,Hakim bin Hassan,M,1990-04-25,,102-3,CHIP1023
"""

# Two chip reads at R1: one by team bib, one by chip id.
KL_TIMING = b"""bib,station,time,source,read_id
101,R1,07:00:00,chip,r1-0001
CHIP1022,R1,07:01:30,chip,r1-0002
"""
