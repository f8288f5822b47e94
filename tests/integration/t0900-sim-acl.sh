#!/bin/sh
# t0900: the sync simulator's ACL engine (tests/sim/syncsim.py) against every
# example of syftbox.md section 3, as a table in tests/sim/test_acl.py.
exec python3 "$(dirname "$0")/../sim/test_acl.py"
