"""The officials' pages under /officials/: login required, each page for the roles it names.

Printing is the first; the race-day pages (station keypad, corrections, anomalies, race
control) join it here, each in a module of its own with templates under templates/officials/.
"""
