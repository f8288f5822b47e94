#!/bin/sh
# t0900: the sync simulator's ACL engine (tests/sim/syncsim.py) against every
# example of syftbox.md section 3, as a table in tests/sim/test_acl.py.
# Debian's python3 with python3-yaml (TEST_PKGS); SCQ_SIM_PYTHON overrides.
exec "${SCQ_SIM_PYTHON:-/usr/bin/python3}" "$(dirname "$0")/../sim/test_acl.py"
