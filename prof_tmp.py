import time
import bootstrap_site, django
django.setup()
from collections import Counter
from django.db.models import Count
from checker.stats import queries, tables
def t(name, f):
    s=time.perf_counter(); r=f(); print(name, round(time.perf_counter()-s,3)); return r
f = queries.Filters.relative("all")
qs = queries.latest_per_domain(f)
t("counts", lambda: tables.counts(qs))
t("codes json_each", lambda: tables.top_codes(qs))
rows = t("codes group by", lambda: list(qs.values("finding_codes").annotate(n=Count("pk")).values_list("finding_codes", "n")))
print("distinct code sets", len(rows))
t("perday", lambda: queries.per_day(f))
