"""The process start, recorded as early as possible so start-up can be measured from inside."""

import time

START_TIME = time.perf_counter()
