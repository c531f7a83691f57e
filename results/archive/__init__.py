"""Race archives: everything of one race in one zip, to keep as a backup or move to another
instance (`export_race_archive`, `import_race_archive`; docs/deploy.md, "Race archives").

- parts.py: what the archive holds, part by part, and what it leaves out and why;
- exporting.py: the zip of a race;
- reading.py: a zip checked whole (manifest, version, checksums) and read into rows;
- restoring.py: the rows checked one by one, then written in one transaction.
"""
