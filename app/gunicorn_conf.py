"""How gunicorn serves the app: `gunicorn -c app/gunicorn_conf.py 'app:create_app()'`.

One file for `make serve`, the benchmark and the durability tests, so what
the tests and the benchmark prove is what users run. Flags given on the
command line override these settings.
"""

import gc
import os

# Threaded workers: the creates a worker has in hand at once share one
# transaction and one disk sync (app/group_commit.py), and clients keep
# their connections alive between requests. A batch holds at most as many
# creates as the worker has threads: with 64 clients, 16 threads gave 13%
# more creates/s on SQLite and 22% on PostgreSQL than 8, at less CPU per
# create (bench/README.md). The app sizes its PostgreSQL pool from the same
# variable (app/config.py).
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "16"))

# A listening socket per worker, so the kernel spreads new connections over
# the workers. On one shared socket, whichever worker wakes first accepts
# most of a burst (57-61 of 64 here, bench/README.md) and, with keep-alive,
# then serves nearly everything while the others idle.
reuse_port = True


def post_worker_init(_worker) -> None:
    """Leave what the worker built at start-up out of every later garbage collection.

    The app, its modules and their caches live as long as the worker; a full
    collection walked them all, some tens of milliseconds, in the middle of
    whatever request tripped it (the admin page, which parses thousands of
    values, did so often).
    """
    gc.collect()
    gc.freeze()
