#!/bin/sh
# Starts the API: node with the flags of node.options beside this script (or API_NODE_FLAGS, when
# set) on dist/main.js, its arguments passed on as the server's flags (README, Configuration). It
# execs, so node receives the signals (SIGTERM drains) and keeps this script's process id.
set -eu
here=$(dirname "$0")
if [ "${API_NODE_FLAGS+set}" = set ]; then
  flags=$API_NODE_FLAGS
else
  flags=$(grep -v '^[[:space:]]*#' "$here/node.options")
fi
# The flags are split into words on purpose: none holds a space.
# shellcheck disable=SC2086
exec node $flags "$here/dist/main.js" "$@"
