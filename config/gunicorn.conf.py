"""gunicorn settings for 益创: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Chosen by bench/deadline.py (deadline day: 2,000 applicants autosaving every 30 s plus the normal mix,
about 85 requests/s, on a 2-core machine with PostgreSQL on the same box; figures below). Every value
can be overridden from the environment (below) or on the command line
(`gunicorn -c config/gunicorn.conf.py -w 3 config.wsgi`: the command line wins).

PostgreSQL connections: each worker thread holds its own connection for CONN_MAX_AGE (settings), so
one web server opens up to workers × threads connections (cores × 8: 16 on 2 cores). Keep the sum over
all web servers, Celery workers and maintenance below PostgreSQL's max_connections (default 100), or
put PgBouncer in front.
"""
import gc
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# Loopback by default: the load balancer or reverse proxy in front terminates TLS and forwards here.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")

# Threads in one process per core rather than many sync processes: a request spends part of its time
# waiting for PostgreSQL (each autosave commits), and a thread waiting on the database releases the
# GIL, so 8 threads keep a process's core busy while others wait, with the memory of one Django
# process per core. The capacity is CPU: at ~82 requests/s the web processes need 82 × (CPU per
# request) of the cores and PostgreSQL a quarter of one more.
#
# Measured on deadline day (bench/deadline.py, 2,000 applicants autosaving every 30 s plus the mix,
# 81.7 requests/s, one 2-core box with PostgreSQL and the load generator on it; issue 18):
# - 2026-12-01, this layout: p95 34–52 ms in 4 runs of 4, 6.5–7.7 ms of gunicorn CPU a request, the
#   machine 40–48 % busy; at 1.5× the load p95 140 and 364 ms, at 2× 240 and 984 ms: room for about
#   1.5× the load, and p95 passes 300 ms once about three quarters of the machine is busy;
# - 2026-11-30, on a machine running the code of then about 1.7× slower: 2 × 8 held in 4 runs of 8
#   (p95 76–235 ms at 56–65 % busy) and missed in the others (352–995 ms at 73–82 %); 4 × 8 p95 389 ms
#   where 2 × 8 gave 235 ms back to back, 2 × 4 870 ms.
# On a 2-core box slower than the first of these, give the web server a third core or a second web server.
# Cores × 8 stays the default: it held where 4 × 8 did not, with half the PostgreSQL connections.
# Two more processes than cores only add runnable processes that preempt each other mid-request (the
# run before: 2 × 8 p95 447 ms against 4 × 8 2.5 s on a busier machine); fewer threads (2 × 4) leave
# a core idle while all of a process's requests wait for the database (p95 870 ms).
# - workers = cores (os.cpu_count()), at least 2 so that a worker being recycled (max_requests) leaves
#   another serving: Python runs one thread per process at a time (the GIL);
# - threads 8: enough requests in progress to cover the database waits at 60+ commits a second; more
#   threads add no CPU, only GIL hand-overs and PostgreSQL connections (workers × threads);
# - no async worker (gevent/eventlet): the work is CPU-bound Django with a synchronous psycopg driver,
#   a green-thread worker would add monkey-patching risk and no capacity.
# WEB_CONCURRENCY is the conventional name (Heroku, Render, the gunicorn docs).
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
workers = _int("WEB_CONCURRENCY", max(2, os.cpu_count() or 2))
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

# The loaded application (Django, the URLs, the templates' code: some 170,000 objects) is moved out of
# the garbage collector's sight before each fork: every full collection in a worker scanned all of it,
# about 120 ms with the GIL held, which stalled all of the worker's threads at once (measured on deadline
# day: 2-3 such pauses a minute per worker; frozen, the full collections took about 11 ms). The children
# also keep sharing those memory pages, which a collection would otherwise touch and copy. The Python
# documentation recommends exactly this for pre-forking servers (gc.freeze). A worker that loads the
# application itself (GUNICORN_PRELOAD=0) freezes it after loading.
def pre_fork(server, worker):
    gc.freeze()


def post_worker_init(worker):
    gc.freeze()


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
