#!/bin/sh
# The host chose the persistence domain with nvdimm-persistence=; every
# region must report the one asked for, or the cpu/mem-ctrl boots would
# test the same thing twice.
want=$SYNCMAP_DAX_WANT_DOMAIN
bad=
for r in /sys/bus/nd/devices/region*; do
	got=$(cat "$r/persistence_domain")
	[ "$got" = "$want" ] || bad="$bad ${r##*/}=$got"
done
if [ -z "$bad" ]; then
	echo "RESULT persistence-domain PASS every region reads $want"
else
	echo "RESULT persistence-domain FAIL want $want:$bad"
fi
