"""gunicorn settings for 益创: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Chosen by bench/deadline.py (deadline day: 2,000 applicants autosaving every 30 s plus the normal mix,
about 85 requests/s, on a 2-core machine with PostgreSQL on the same box; figures below). Every value
can be overridden from the environment (below) or on the command line
(`gunicorn -c config/gunicorn.conf.py -w 4 config.wsgi`: the command line wins).

PostgreSQL connections: each worker thread holds its own connection for CONN_MAX_AGE (settings), so
one web server opens up to workers × threads connections (4 × 8 = 32 by default). Keep the sum over
all web servers, Celery workers and maintenance below PostgreSQL's max_connections (default 100), or
put PgBouncer in front.
"""
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# Loopback by default: the load balancer or reverse proxy in front terminates TLS and forwards here.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")

# Threads in a few processes rather than many sync processes: a request spends a large part of its
# time waiting for PostgreSQL (each autosave commits), and a thread waiting on the database releases
# the GIL, so 4 processes × 8 threads keep both cores and PostgreSQL busy with up to 32 requests in
# progress, with the memory of 4 Django processes. Measured on deadline day (bench/deadline.py, one
# shared 2-core box under load averages of 14–26 from other work): 4 × 8 (two runs) answered 45–47
# requests/s where sync 2/3/5 answered 12–17/s and gthread 2 × 4, 3 × 4, 3 × 8 and 6 × 4 20–28/s; the
# CPU per request is the same (17–20 ms), the difference is how often a request waits for the
# database with no other thread to run meanwhile.
#
# Re-checked for 2 cores (issue 18, second pass). The capacity is CPU, not the worker layout: at ~82
# requests/s the web processes need 82 × (CPU per request) of the two cores, PostgreSQL a third of one
# more. At 15.6 ms a request (the slower machine) that was 1.3 + 0.37 cores of 2: saturated, p95 2.4 s;
# the second pass made an autosave 19–42 % cheaper by section (bench/autosave_inprocess.py, before and
# after back to back), and autosaves are four fifths of the requests. What the layout must do on 2 cores:
# - workers 4 = 2 × cores: Python runs one thread per process at a time (the GIL), so at least one
#   process per core, and a spare per core so that a core is not idle while every thread of one
#   process waits for PostgreSQL (an autosave spends 3–5× its CPU time waiting: queries and its commit);
# - threads 8: enough requests in progress to cover those waits at 60+ commits a second; more threads
#   add no CPU, only GIL hand-overs and PostgreSQL connections (workers × threads = 32);
# - no async worker (gevent/eventlet): the work is CPU-bound Django with a synchronous psycopg driver,
#   a green-thread worker would add monkey-patching risk and no capacity.
# On the shared box of this pass (load 7–23 from other work, the machine 100 % busy, gunicorn getting
# under one core) the layouts could not be told apart on CPU: at 28 requests/s (`--applicants 700
# --mix-rate 5`) 4 × 8 spent 32.8 ms of CPU a request and 2 × 8 33.8 ms; 4 × 8 kept up better there
# (94 % of a core against 85 %: more runnable processes get more of a busy machine). The lead's
# quiet-machine rerun decides, e.g. `bench/deadline.py --workers 2 --threads 8` against the default.
# WEB_CONCURRENCY is the conventional name (Heroku, Render, the gunicorn docs).
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
workers = _int("WEB_CONCURRENCY", 4)
threads = _int("GUNICORN_THREADS", 8)

# A request that takes longer than this is a bug or a stuck connection: the worker is killed and
# restarted (the slow documents run in Celery jobs, never in a request). gthread workers keep the
# heartbeat going from the main thread, so a long request on one thread does not trip it.
timeout = _int("GUNICORN_TIMEOUT", 30)
# On SIGTERM (deploy, scale-in) requests in progress get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Behind a proxy that reuses connections: a little longer than nothing, far shorter than the
# proxy's own idle timeout, so the proxy never sends on a connection gunicorn is closing.
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# Recycle each worker after about this many requests (a slow leak cannot grow forever); the jitter
# keeps the workers from restarting at the same moment, which would stall the whole server at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 10000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 1000)

# Load Django once in the master and fork: workers start in milliseconds (a recycled worker does not
# pause its share of the traffic for a second of imports) and share the code's memory pages.
# Safe here: nothing opens a database connection or a thread at import time.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"

# The workers' heartbeat files: on tmpfs, so a slow or full disk cannot make the master think a
# healthy worker hung (the gunicorn docs' advice for containers).
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", "/dev/shm" if os.path.isdir("/dev/shm") else None)

# Connections waiting for a worker: room for a burst (deadline day) rather than refused connections.
backlog = _int("GUNICORN_BACKLOG", 2048)

# Access log on stdout for the process manager (systemd, docker) to collect; the request time in
# milliseconds (%(M)s) and the response size make slow pages visible without another tool.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s" pid=%(p)s'
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# The proxy's X-Forwarded-* headers are trusted from loopback only (the default); set
# FORWARDED_ALLOW_IPS to the proxy's address when it runs on another host.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
