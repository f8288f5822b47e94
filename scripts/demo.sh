#!/bin/sh
# demo.sh - run `scq demo`: the whole workflow with two identities in a
# throwaway workspace (see README).
set -eu
exec "${SCQ:-build/scq}" demo
