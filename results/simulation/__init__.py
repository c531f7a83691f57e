"""Simulated races, in the contract's file formats: the demo race and the tests' races are one simulation.

- names.py: the runners' names by community, the clubs and the teams of friends;
- course.py: the stations and the categories of a race of N legs;
- teams.py: the teams and their runners, drawn by the categories' rules;
- race_day.py: the day itself: paces, reads, missed reads, carry-over starts, fates, statuses;
- files.py: the entries and timing rows, and their CSV bytes;
- race.py: `simulate_race`, the whole race from a seed;
- demo.py: the ALEPS demo race that `load_demo` loads.
"""
