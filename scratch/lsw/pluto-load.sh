#!/usr/bin/env bash
# Load each given conn file into a throwaway pluto (config setup from $SETUP) and print addconn's verdict.
set -u
LSW=/opt/lsw/root; LAB=/tmp/plutoload; rm -rf $LAB; mkdir -p $LAB/run $LAB/nss
ip netns add pl; ip -n pl link set lo up; ip -n pl addr add 198.51.100.1/32 dev lo; ip -n pl route add default dev lo
printf 'config setup\n%s\n' "${SETUP:-}" > $LAB/ipsec.conf; : > $LAB/secrets
certutil -N -d sql:$LAB/nss --empty-password
ip netns exec pl unshare --mount --propagation private sh -c 'mount --bind "$1/usr/libexec" /usr/libexec && mount --bind "$2/run" /run && exec "$1/usr/libexec/ipsec/pluto" --config "$2/ipsec.conf" --nofork --stderrlog --rundir "$2/run" --nssdir "$2/nss" --secretsfile "$2/secrets" --no-dnssec' sh $LSW $LAB > $LAB/pluto.out 2>&1 &
PID=$!; sleep 1
for f in "$@"; do name=$(awk '/^conn /{print $2; exit}' $f)
  out=$(ip netns exec pl $LSW/usr/libexec/ipsec/addconn --config $f --ctlsocket $LAB/run/pluto.ctl $name 2>&1); rc=$?
  echo "== $f: addconn rc=$rc"; echo "$out" | sed "s/^/   /"; grep -h -E "$name" $LAB/pluto.out | tail -2 | sed "s/^/   pluto: /"; done
kill $PID; sleep 0.3; ip netns del pl
