import time
import bootstrap_site, django
django.setup()
from checker.stats import queries, tables
from django.db import connection
def t(name, f):
    s=time.perf_counter(); r=f(); print(name, round(time.perf_counter()-s,3)); return r
for w in ("all","30d"):
    f = queries.Filters.relative(w)
    qs = queries.latest_per_domain(f)
    t(w+" counts", lambda: tables.counts(qs))
    t(w+" codes", lambda: tables.top_codes(qs))
    t(w+" perday", lambda: queries.per_day(f))
    t(w+" count only", lambda: qs.count())
    with connection.cursor() as c:
        sql, p = qs.values("pk").query.sql_with_params()
        c.execute("EXPLAIN QUERY PLAN " + sql, p); print(c.fetchall())
