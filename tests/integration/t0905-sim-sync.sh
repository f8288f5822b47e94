#!/bin/sh
# t0905: the sync simulator's sync rules (syftbox.md section 4) and its
# hostile delivery modes, in tests/sim/test_sync.py.
exec "${SCQ_SIM_PYTHON:-/usr/bin/python3}" "$(dirname "$0")/../sim/test_sync.py"
