#!/usr/bin/env bash
# Prototype: rendered libreswan (on-prem, pluto) against the hand-written strongSwan cloud fixture.
# Usage: lsw-lab.sh CONF SECRETS CLOUDFIXTURE CONNNAME
set -uo pipefail
LSW=/opt/lsw/root
LAB=/tmp/lswlab; rm -rf $LAB; mkdir -p $LAB/c/run $LAB/c/conf $LAB/o/run $LAB/o/nss
HERE=$(cd "$(dirname "$0")" && pwd)
C=lc; O=lo
for n in $C $O; do ip netns add $n; ip -n $n link set lo up; ip netns exec $n sysctl -q -w net.ipv6.conf.all.disable_ipv6=1; done
ip -n $C link add wan type veth peer name wan netns $O
ip -n $C link set wan up; ip -n $O link set wan up
ip -n $C addr add 203.0.113.1/32 dev wan; ip -n $C route add 198.51.100.1/32 dev wan
ip -n $O addr add 198.51.100.1/32 dev wan; ip -n $O route add 203.0.113.1/32 dev wan
# default route so that left=%defaultroute resolves
ip -n $O route add default via 203.0.113.1 dev wan onlink
ip -n $C addr add 10.10.0.1/24 dev lo; ip -n $O addr add 10.20.0.1/24 dev lo
# cloud charon
cat > $LAB/c/strongswan.conf <<EOC
charon {
    load_modular = no
    load = random nonce openssl pem pkcs1 pkcs8 x509 revocation constraints pubkey aes sha1 sha2 md5 hmac gmp curve25519 xcbc cmac ctr ccm gcm chapoly kdf attr socket-default vici updown kernel-libipsec kernel-netlink
    filelog { lab { path = $LAB/c/charon.log
        default = 1
        ike = 2
        cfg = 2
        flush_line = yes } }
    plugins { vici { socket = unix://$LAB/c/run/charon.vici }
        kernel-libipsec { load = yes } }
}
EOC
ip netns exec $C unshare --mount --propagation private sh -c 'mount --bind "$1" /run && exec env STRONGSWAN_CONF="$2" /usr/lib/ipsec/charon' sh $LAB/c/run $LAB/c/strongswan.conf >$LAB/c/out 2>&1 &
echo $! > $LAB/c/pid
for i in $(seq 50); do swanctl --stats --uri unix://$LAB/c/run/charon.vici >/dev/null 2>&1 && break; sleep 0.1; done
mkdir -p $LAB/c/conf/{x509,x509ca,x509ocsp,x509aa,x509ac,x509crl,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
cp "$3" $LAB/c/conf/c.conf; swanctl --load-all --uri unix://$LAB/c/run/charon.vici --file $LAB/c/conf/c.conf | tail -1
# on-prem pluto
cp "$1" $LAB/o/ipsec.conf.d; cp "$2" $LAB/o/secrets
printf 'config setup\n    ikev1-policy=accept\n    logfile=%s\n    plutodebug=none\ninclude %s\n' $LAB/o/pluto.log $LAB/o/ipsec.conf.d > $LAB/o/ipsec.conf
certutil -N -d sql:$LAB/o/nss --empty-password
ip netns exec $O unshare --mount --propagation private sh -c 'mount --bind "$1/usr/libexec" /usr/libexec && mount --bind "$2/run" /run && exec "$1/usr/libexec/ipsec/pluto" --config "$2/ipsec.conf" --nofork --stderrlog --rundir "$2/run" --nssdir "$2/nss" --secretsfile "$2/secrets" --no-dnssec' sh $LSW $LAB/o > $LAB/o/pluto.out 2>&1 &
echo $! > $LAB/o/pid
sleep 1
W="ip netns exec $O $LSW/usr/libexec/ipsec/whack --rundir $LAB/o/run"
$W --listen | tail -2
ip netns exec $O $LSW/usr/libexec/ipsec/addconn --config $LAB/o/ipsec.conf --ctlsocket $LAB/o/run/pluto.ctl --autoall; echo "addconn rc=$?"
$W --rereadsecrets
$W --initiate --name "$4" --asynchronous
sleep 3
grep -E 'established|chosen from remote|ESP=' $LAB/o/pluto.log | head
grep -E 'CHILD_SA .* established|IKE_SA .* established' $LAB/c/charon.log
