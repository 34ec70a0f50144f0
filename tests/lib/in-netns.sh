#!/bin/sh
# Runs an integration test in a network namespace of its own: a private
# loopback, so its ports (sshd, forwards, monitor ports, the README's
# 8080) can neither be taken by anything else on the machine nor collide
# with another test running at the same time, and two copies of the suite
# can run at once.  The namespace gets a default route through lo, or
# GNetworkMonitor would say the network is down.  It is a mount namespace
# of its own too (private propagation): a test may mount, say, a small
# full tmpfs, and the mount goes with the test (which is told so by
# ASD_TEST_PRIVATE_MOUNTS=1).  Without the privilege to
# make them (not root), the test runs as it is, and skips what needs root.
#   in-netns.sh PROGRAM [ARGS...]
if unshare --net --mount -- true 2>/dev/null; then
  ASD_TEST_PRIVATE_MOUNTS=1 exec unshare --net --mount --propagation private -- \
    sh -c 'ip link set lo up && ip route add default dev lo && exec "$@"' sh "$@"
fi
exec "$@"
