#!/bin/sh
# The tests' name for the throwaway PostgreSQL cluster: its logic is build-aux/pg-cluster.sh,
# shared with `make demo-shared` (one script, not a copy).
exec sh "$(dirname "$0")/../../build-aux/pg-cluster.sh" "$@"
