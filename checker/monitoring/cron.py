"""RQ's cron scheduler configuration: `python manage.py rqcron checker.monitoring.cron`.

One job: the monitoring tick, every TICK_SECONDS on the default queue. The tick itself
decides which watched domains are due (checker/monitoring/schedule.py), so running it
more often or twice never re-checks a domain early.
"""
from rq import cron

from .schedule import TICK_SECONDS, tick_job

cron.register(tick_job, "default", interval=TICK_SECONDS, job_timeout=120, result_ttl=600)
