#!/bin/sh
# Entrypoint of the image's `dev` target (skaffold profile `dev`): run
# `gridfusion <args>` and restart it whenever skaffold syncs a changed Python
# file into /src.
set -eu
# In the dev overlay /src is an empty volume at first: seed it from the image.
if [ ! -e /src/pyproject.toml ]; then
    cp -R /opt/gridfusion-src/. /src/
fi
exec watchfiles --filter python "gridfusion $*" /src/services /src/gateway /src/proto
