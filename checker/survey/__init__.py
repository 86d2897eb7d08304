"""Survey mode (README "Surveys"): import a zone or a list, scan it with RQ workers on any
number of machines, and print the thesis's Tables 11-19
(`survey report`: the staff statistics' tables, checker/stats/, for the survey's rows).

importer.py  parse a zone file or a plain list (pure)
optout.py    the list of domains never probed
store.py     load an import into the database, chunks and leases
worker.py    the RQ job: take chunks, check their domains, save each result exactly once
progress.py  counts, rate and ETA for `survey status`
"""
