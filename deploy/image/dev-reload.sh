#!/bin/sh
# Entrypoint of the image's `dev` target (skaffold profile `dev`): run
# `gridfusion <args>` and restart it whenever skaffold syncs a changed Python
# file into /src.
set -eu
exec watchfiles --filter python "gridfusion $*" /src/services /src/gateway /src/proto
