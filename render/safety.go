package render

import (
	"fmt"
	"net/netip"
	"strconv"

	"github.com/vpnexport/vpnexport/vpn"
)

// Issue 16 helpers shared by the five original vendors: what keeps a
// pasted file from disturbing a device that already runs other tunnels
// and a BGP process (docs/vendors/README.md, "Safe to paste").

// bgpSafety is what the engineer told us about the device's BGP:
// LocalAS is the AS the device already runs (--set local-as; 0 = not
// given), OnPrem the networks it may advertise to Alibaba
// (--set onprem-prefixes; none = advertise nothing).
type bgpSafety struct {
	LocalAS uint32
	OnPrem  []netip.Prefix
}

// bgpParams are the two BGP parameters every vendor with BGP declares.
var bgpParams = []Param{
	{Key: "local-as", Default: "", Help: "BGP: the AS this device already runs (keeps its AS statement; the tunnels' AS is then set per neighbor where the platform allows)"},
	{Key: "onprem-prefixes", Default: "", List: true, Help: "BGP: on-prem networks to advertise to Alibaba, comma-separated CIDRs (empty: advertise nothing)"},
}

func readBGPSafety(p params) (bgpSafety, error) {
	var b bgpSafety
	if s := p.String("local-as"); s != "" {
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil || n == 0 {
			return b, &ParamError{Vendor: p.vendor, Key: "local-as", Reason: fmt.Sprintf("value %q: want an AS number from 1 to 4294967295", s)}
		}
		b.LocalAS = uint32(n)
	}
	var err error
	b.OnPrem, err = p.Prefixes("onprem-prefixes")
	return b, err
}

// warnNoOnPrem is the warning when BGP advertises nothing yet.
const warnNoOnPrem = "BGP advertises nothing to Alibaba until you list the on-prem networks: render again with --set onprem-prefixes=<cidr>,<cidr> (the export policy denies everything else)"

// atLeast reports whether release s ("23.2", "23.2R1", "17.12.4a") is at
// least major.minor; ok is false when s does not parse.
func atLeast(s string, major, minor int) (yes, ok bool) {
	maj, min, ok := parseVersion(s)
	if !ok {
		return false, false
	}
	return maj > major || maj == major && min >= minor, true
}

// requireSafeIDs refuses FQDN identities a platform cannot write as one
// unquoted token (api.Normalize refuses them already; checked again
// because Junos writes identities unquoted and a stray quote or blank
// would end the token). IPv6 is refused for every vendor by Render.
func requireSafeIDs(c vpn.Connection, platform string) error {
	for _, t := range c.Tunnels {
		for _, id := range []vpn.Identity{t.LocalID, t.RemoteID} {
			if id.Kind == vpn.IDFQDN && !safeFQDN.MatchString(id.FQDN) {
				return fmt.Errorf("%s: identity %q: only letters, digits, '.', '-' and '_' can be written safely on %s", t.Label(), id.FQDN, platform)
			}
		}
	}
	return nil
}

// undoLines turns a file's objects into the rollback's commands: undo
// gives the commands that remove one object, and the objects are undone
// in reverse creation order, so dependants go before what they use.
func undoLines(objs []object, undo func(object) []string) []string {
	var out []string
	for i := len(objs) - 1; i >= 0; i-- {
		out = append(out, undo(objs[i])...)
	}
	return out
}

// checkBGPSafety adds what the BGP part of a file asks of the engineer:
// which AS the device must run (statement is the platform's AS line, e.g.
// "routing-options autonomous-system 65530"), and a WARNING while nothing
// is advertised to Alibaba.
func (n *fileNotes) checkBGPSafety(bs bgpSafety, tunnelAS uint32, device, statement string) {
	switch {
	case bs.LocalAS == 0:
		n.check("BGP: '%s' sets this %s's one AS; if it already runs BGP with another AS, render again with --set local-as=<that AS> (the sessions with Alibaba then use local-as %d).", statement, device, tunnelAS)
	case bs.LocalAS == tunnelAS:
		n.check("BGP: this %s's AS must already be %d (--set local-as).", device, tunnelAS)
	default:
		n.check("BGP: this %s runs AS %d (--set local-as); its sessions with Alibaba present AS %d with local-as.", device, bs.LocalAS, tunnelAS)
	}
	if len(bs.OnPrem) == 0 {
		n.warnConn(warnNoOnPrem)
	}
}
