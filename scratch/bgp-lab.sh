#!/usr/bin/env bash
# Prototype: BGP over two kernel-libipsec tunnels (dual-tunnel-bgp).
# Usage: bgp-lab.sh up | check | down
set -uo pipefail
LAB=${LAB:-/tmp/bgplab}
HERE=$(cd "$(dirname "$0")" && pwd)
O=bo; A=ba; B=bb
CHARON=/usr/lib/ipsec/charon

ssconf() { # dir port natport table
cat > $1/strongswan.conf <<EOC
charon {
    load_modular = no
    load = random nonce openssl pem pkcs1 pkcs8 x509 revocation constraints pubkey aes sha1 sha2 md5 hmac gmp curve25519 xcbc cmac ctr ccm gcm chapoly kdf attr socket-default vici updown kernel-libipsec kernel-netlink
    port = $2
    port_nat_t = $3
    retransmit_tries = 2
    retransmit_timeout = 1.0
    retransmit_base = 1.4
    # routes kernel-libipsec installs go to a table no rule selects: routing is FRR's
    routing_table = $4
    routing_table_prio = $4
    filelog {
        lab {
            path = $1/charon.log
            time_format = %H:%M:%S
            default = 1
            ike = 2
            cfg = 2
            knl = 2
            esp = 2
            flush_line = yes
        }
    }
    plugins {
        vici { socket = unix://$1/run/charon.vici }
        kernel-libipsec { load = yes }
        kernel-netlink { fwmark = 0x$4 }
    }
}
EOC
}

start_charon() { # ns dir
  mkdir -p $2/run $2/conf/{x509,x509ca,x509ocsp,x509aa,x509ac,x509crl,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
  ip netns exec $1 unshare --mount --propagation private sh -c 'mount --bind "$1" /run && exec env STRONGSWAN_CONF="$2" '$CHARON sh $2/run $2/strongswan.conf >$2/charon.out 2>&1 &
  echo $! > $2/pid
  for i in $(seq 50); do swanctl --stats --uri unix://$2/run/charon.vici >/dev/null 2>&1 && break; sleep 0.1; done
  grep -o 'created TUN device: ipsec[0-9]*' $2/charon.log
}

start_frr() { # ns dir
  mkdir -p $2; : > $2/empty.conf; chown -R frr:frr $2
  ip netns exec $1 /usr/lib/frr/zebra -f $2/empty.conf -i $2/zebra.pid -z $2/zserv.api --vty_socket $2 --log file:$2/zebra.log >/dev/null 2>&1 &
  echo $! > $2/zebra.pidx
  sleep 0.5
  ip netns exec $1 /usr/lib/frr/bgpd -f $2/empty.conf -i $2/bgpd.pid -z $2/zserv.api --vty_socket $2 --log file:$2/bgpd.log >/dev/null 2>&1 &
  echo $! > $2/bgpd.pidx
  for i in $(seq 50); do vtysh --vty_socket $2 -c 'show version' >/dev/null 2>&1 && break; sleep 0.1; done
}

# split: print the connections block holding only conn $2 plus the secrets block
split_conn() { awk -v want="$2" '
  /^connections \{/ {inconn=1; print; next}
  inconn && depth==0 && /^\}/ {inconn=0; print; next}
  inconn {
    line=$0; o=gsub(/\{/,"{",line); c=gsub(/\}/,"}",line)
    if (depth==0 && o>0) { name=$1; keep=(name==want) }
    if (depth==0 && o==0 && c==0) { if (keep) print; next }
    if (keep) print
    depth+=o-c; next }
  {print}' "$1"; }

up() {
  rm -rf $LAB; mkdir -p $LAB
  for n in $O $A $B; do ip netns add $n; ip -n $n link set lo up
    ip netns exec $n sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1; done
  ip -n $O link add wan1 type veth peer name wan netns $A
  ip -n $O link add wan2 type veth peer name wan netns $B
  for l in wan1 wan2; do ip -n $O link set $l up; ip -n $O addr add 198.51.100.1/32 dev $l; done
  ip -n $O route add 203.0.113.1/32 dev wan1; ip -n $O route add 203.0.113.2/32 dev wan2
  ip -n $A link set wan up; ip -n $A addr add 203.0.113.1/32 dev wan; ip -n $A route add 198.51.100.1/32 dev wan
  ip -n $B link set wan up; ip -n $B addr add 203.0.113.2/32 dev wan; ip -n $B route add 198.51.100.1/32 dev wan
  ip -n $O addr add 10.20.0.1/24 dev lo; ip -n $O addr add 10.21.0.1/24 dev lo
  ip -n $A addr add 10.10.0.1/24 dev lo; ip -n $B addr add 10.10.0.1/24 dev lo

  # render on-prem swanctl.conf
  (cd $HERE/.. && go run . render -i testdata/api/dual-tunnel-bgp.json -v strongswan) > $LAB/onprem-swanctl.conf
  mkdir -p $LAB/o1 $LAB/o2 $LAB/a $LAB/b
  ssconf $LAB/a 500 4500 221; ssconf $LAB/b 500 4500 221
  ssconf $LAB/o1 500 4500 221; ssconf $LAB/o2 1500 14500 222
  start_charon $A $LAB/a; start_charon $B $LAB/b
  ip -n $A addr add 169.254.10.1/30 dev ipsec0; ip -n $A link set ipsec0 up
  ip -n $B addr add 169.254.20.1/30 dev ipsec0; ip -n $B link set ipsec0 up
  start_charon $O $LAB/o1
  ip -n $O link property add dev ipsec0 altname ipsec-t1
  start_charon $O $LAB/o2
  ip -n $O link property add dev ipsec1 altname ipsec-t2
  # the rendered setup lines, minus 'ip link add ... type xfrm'
  grep -E '^#   ip ' $LAB/onprem-swanctl.conf | sed 's/^#   //; s/ *#.*//' | grep -v 'type xfrm' | while read -r cmd; do
    echo "onprem: $cmd"; ip -n $O ${cmd#ip }; done
  start_frr $A $LAB/a/frr; start_frr $B $LAB/b/frr; start_frr $O $LAB/o/frr
  vtysh --vty_socket $LAB/a/frr -f $HERE/cloud-frr-t1.conf; echo "cloud-a frr rc=$?"
  vtysh --vty_socket $LAB/b/frr -f $HERE/cloud-frr-t2.conf; echo "cloud-b frr rc=$?"
  vtysh --vty_socket $LAB/o/frr -f $HERE/onprem-frr.conf; echo "onprem frr rc=$?"
  swanctl --load-all --uri unix://$LAB/a/run/charon.vici --file $(cp $HERE/../interop/testdata/cloud/dual-tunnel-bgp-t1.conf $LAB/a/conf/c.conf; echo $LAB/a/conf/c.conf)
  swanctl --load-all --uri unix://$LAB/b/run/charon.vici --file $(cp $HERE/../interop/testdata/cloud/dual-tunnel-bgp-t2.conf $LAB/b/conf/c.conf; echo $LAB/b/conf/c.conf)
  split_conn $LAB/onprem-swanctl.conf dual-tunnel-bgp-t1 > $LAB/o1/conf/o.conf
  split_conn $LAB/onprem-swanctl.conf dual-tunnel-bgp-t2 > $LAB/o2/conf/o.conf
  swanctl --load-all --uri unix://$LAB/o1/run/charon.vici --file $LAB/o1/conf/o.conf
  swanctl --load-all --uri unix://$LAB/o2/run/charon.vici --file $LAB/o2/conf/o.conf
}

down() {
  for f in $LAB/*/pid $LAB/*/frr/*.pidx; do [ -f $f ] && kill $(cat $f) 2>/dev/null; done
  sleep 1
  for n in $O $A $B; do ip netns del $n 2>/dev/null; done
}

"$@"
