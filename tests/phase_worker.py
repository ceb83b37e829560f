"""Run one phase in its own process, as a scheduler would: `python phase_worker.py PLAN PHASE AS_OF [BARRIER]`.

With BARRIER (a folder), the worker imports everything, writes BARRIER/ready-<pid>, and starts only once
BARRIER/go exists, so that several workers begin at the same moment. Prints a JSON summary as its last line.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def main() -> None:
    plan, phase, as_of = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    from cchc_flow.flows.phase import run_phase
    from cchc_flow.models.store.db import session

    with session():  # connect and check the schema before the start line
        pass
    if len(sys.argv) > 4:
        barrier = Path(sys.argv[4])
        (barrier / f"ready-{os.getpid()}").touch()
        while not (barrier / "go").exists():
            time.sleep(0.005)
    summary = run_phase(plan, phase, as_of)
    print(
        json.dumps(
            {
                "pid": os.getpid(),
                "flow_run_id": summary.flow_run_id,
                "pending": summary.pending,
                "events": {o.key: o.events for o in summary.activities if o.events},
                "sent": sum(d.sent for d in summary.deliveries),
            }
        )
    )


if __name__ == "__main__":
    main()
