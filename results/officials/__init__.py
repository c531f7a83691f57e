"""Race-day pages for officials: everything under /officials/ needs a login (DESIGN.md, Pages)."""
