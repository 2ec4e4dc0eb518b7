for f in /tmp/lswlab/*/pid; do kill $(cat $f) 2>/dev/null; done; sleep 0.5; ip netns del lc; ip netns del lo
