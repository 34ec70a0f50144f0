#!/bin/sh
# Fails when a po/*.po file is missing from po/LINGUAS, or LINGUAS names a
# language without its .po file.
set -eu
po_dir=$1
status=0
languages=$(sed -e 's/#.*//' "$po_dir/LINGUAS" | tr -s ' \t' '\n\n' | grep -v '^$' || true)
for po in "$po_dir"/*.po; do
  [ -e "$po" ] || continue
  lang=$(basename "$po" .po)
  if ! printf '%s\n' $languages | grep -qx "$lang"; then
    echo "$po is not listed in $po_dir/LINGUAS"
    status=1
  fi
done
for lang in $languages; do
  if [ ! -f "$po_dir/$lang.po" ]; then
    echo "LINGUAS names '$lang' but $po_dir/$lang.po does not exist"
    status=1
  fi
done
[ "$status" -eq 0 ] && echo "po/LINGUAS lists every translation: $(echo $languages)"
exit $status
