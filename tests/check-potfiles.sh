#!/bin/sh
# Fails when a C file or header with translatable strings (_(), N_(), C_(),
# NC_(), ngettext ()) is missing from po/POTFILES.in, or POTFILES.in names
# a file that does not exist.
set -eu
top=$1
cd "$top"
status=0
for f in $(grep -l -E '\b(N|C|NC)?_\(|\bngettext \(' service/*/*.c service/*/*.h client/*/*.c client/*/*.h); do
  if ! grep -qx "$f" po/POTFILES.in; then
    echo "$f has translatable strings but is not in po/POTFILES.in"
    status=1
  fi
done
for f in $(sed -e 's/#.*//' po/POTFILES.in); do
  if [ ! -f "$f" ]; then
    echo "po/POTFILES.in names $f, which does not exist"
    status=1
  fi
done
[ "$status" -eq 0 ] && echo "po/POTFILES.in lists every file with translatable strings"
exit $status
