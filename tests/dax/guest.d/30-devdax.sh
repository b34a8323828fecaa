#!/bin/sh
# Device DAX windows: alignment errors are -EINVAL with an explanation.
exec "$SYNCMAP_DAX_TOOLS/dax-check" devdax devdax "$SYNCMAP_DAX_DEVDAX"
