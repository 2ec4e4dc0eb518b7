// Package interop proves vpnexport's Linux output on the wire: each
// test case brings up a real IPsec tunnel between two strongSwan daemons in
// two network namespaces and sends traffic through it; the BGP case adds
// FRR on both sides and proves the sessions, the master preference,
// fail-over and fail-back (bgp_test.go); libreswan's output is negotiated
// against the same hand-written cloud side (libreswan_test.go), and every
// golden FRR and libreswan file goes through vtysh --dryrun, addconn
// --checkconfig, algparse and a pluto load (tools_test.go).
//
// The package holds only tests (see lab_test.go and interop_test.go); this
// file exists for its documentation.
//
// # Fixture protocol
//
// A case pairs two configurations:
//
//   - the on-prem side, rendered in-process by vpnexport (api.Parse,
//     api.Normalize, render.Render with templates.FS) from the saved API
//     response ../testdata/api/<case>.json, exactly as a user would get it;
//   - the cloud side, testdata/cloud/<fixture>.conf, a swanctl.conf written
//     BY HAND from Alibaba's point of view (local = the Alibaba gateway and
//     the VPC subnets, remote = the customer gateway and the data-center
//     subnets). It is never produced by the renderer nor derived from its
//     output, so a swapped orientation or a wrong algorithm cannot pass by
//     symmetry.
//
// Expected negotiated algorithms are written by hand in the case tables.
//
// # Running
//
// The tests need root (network namespaces), strongSwan (charon, swanctl,
// the kernel-libipsec plugin), /dev/net/tun, ip, unshare and ping. Without
// them, or with -short, they skip with a one-line reason; with
// IPSEC_INTEROP=require (set by .ci/run) a missing prerequisite fails.
// IPSEC_INTEROP_KEEP=1 keeps each lab directory (strongswan.conf, both
// loaded swanctl.conf files, charon.log) and logs its path.
// The recipe and its traps are described in docs/interop.md.
package interop
