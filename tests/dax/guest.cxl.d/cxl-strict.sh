#!/bin/sh
# Strict mode over MAP_SYNC on CXL: guest.d/strict.sh on ext4 -o dax over
# the CXL region (strict mode must wrap the cache-line path, a sampled
# crash-point sweep of examples/counter must pass, a control whose flush
# is never drained must be caught), made smaller to keep dax-cxl short:
# 8 sampled points, and the control's sweep over points 22-30, which hold
# its first missing drain.
exec env DAX_STRICT_NAME=cxl-strict DAX_STRICT_SAMPLE=8 DAX_STRICT_SEED=5 \
	DAX_STRICT_POINTS=22-30 sh "$SYNCMAP_DAX_SOURCE/tests/dax/guest.d/strict.sh"
