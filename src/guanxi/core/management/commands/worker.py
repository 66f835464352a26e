"""`guanxi worker`: run background jobs (imports, exports, scans, schedules) from the queue.

`guanxi serve` starts one by itself on SQLite; with Redis, start as many as the load needs, on
any machine that reaches the database and Redis.
"""

from huey.contrib.djhuey.management.commands.run_huey import Command as RunHuey


class Command(RunHuey):
    help = "Run background jobs: imports, exports, duplicate scans and scheduled work."
