package api

import (
	"fmt"
	"net/netip"
	"strings"
)

// BGPOrientationError reports that the download's BgpConfigs match
// DescribeVpnConnection's BGP sessions in neither orientation. vpnexport
// never guesses which side is whose: a BGP session with the addresses or
// AS numbers swapped does not come up, and one that half-matches means the
// two responses describe different sessions.
type BGPOrientationError struct {
	Problems []string
}

func (e *BGPOrientationError) Error() string {
	return "BGP orientation check failed: DownloadVpnConnectionConfig BgpConfigs does not match DescribeVpnConnection's BGP sessions in one reading (Local = Alibaba for every tunnel, or Local = this device for every tunnel); refusing to guess:\n" +
		strings.Join(e.Problems, "\n")
}

// bgpReading is which side the download's BgpConfig Local* fields denote.
type bgpReading int

const (
	readingNone   bgpReading = iota
	readingCloud             // Local* = Alibaba, as in Describe
	readingDevice            // Local* = this device, as in the rest of the download
	readingBoth              // the values do not tell the readings apart
)

// bgpOrientation decides the orientation of the download's BgpConfigs,
// which Alibaba does not document, by matching each entry against the
// Describe session of the same tunnel (TunnelBgpConfig joined on TunnelId;
// VpnBgpConfig for a single tunnel), whose orientation is documented
// (Local = Alibaba). Every entry with a Describe counterpart must match in
// the same reading: the cloud reading (Local = Local, Peer = Peer) or the
// device reading (Local = Peer, Peer = Local), comparing the BGP addresses,
// the AS numbers where both responses carry them, and the tunnel CIDR. An
// entry without counterpart proves nothing. No common reading is a
// BGPOrientationError showing both readings (docs/alibaba-api.md "BGP in the download").
//
// Describe's sessions then replace the download's (ApplyDescription); the
// decision only has to exist, which settles Normalize's orientation guess.
func bgpOrientation(cfg *VpnConnectionConfig, d *VpnConnection) error {
	if cfg == nil || cfg.BgpConfigs == nil || len(cfg.BgpConfigs.BgpConfig) == 0 {
		return nil
	}
	single := cfg.TunnelsConfig == nil || len(cfg.TunnelsConfig.TunnelConfig) == 0
	byID := map[string]*DescribeBgpConfig{}
	for _, t := range d.tunnels() {
		if t.TunnelBgpConfig != nil {
			byID[strings.TrimSpace(t.TunnelID)] = t.TunnelBgpConfig
		}
	}
	var problems []string
	common := readingBoth
	for i, b := range cfg.BgpConfigs.BgpConfig {
		ds := byID[strings.TrimSpace(b.TunnelID)]
		if ds == nil && single && d.VpnBgpConfig.enabled() {
			ds = d.VpnBgpConfig
		}
		if ds == nil {
			continue
		}
		r := matchBGP(b, ds)
		label := fmt.Sprintf("BgpConfigs.BgpConfig[%d]", i)
		if id := strings.TrimSpace(b.TunnelID); id != "" {
			label += " (" + id + ")"
		}
		switch {
		case r == readingNone:
			problems = append(problems, bgpReadings(label, b, ds))
		case r == readingBoth:
		case common == readingBoth:
			common = r
		case common != r:
			problems = append(problems, bgpReadings(label, b, ds)+"\n    (the other tunnel matched the other reading)")
		}
	}
	if len(problems) > 0 {
		return &BGPOrientationError{Problems: problems}
	}
	return nil
}

// matchBGP says in which readings the download entry equals Describe's.
func matchBGP(dl BgpConfig, ds *DescribeBgpConfig) bgpReading {
	if !samePrefix(dl.TunnelCidr, ds.TunnelCidr) {
		return readingNone
	}
	cloud := sameAddr(dl.LocalBgpIP, ds.LocalBgpIP) && sameAddr(dl.PeerBgpIP, ds.PeerBgpIP) &&
		sameASN(dl.LocalAsn, ds.LocalAsn) && sameASN(dl.PeerAsn, ds.PeerAsn)
	device := sameAddr(dl.LocalBgpIP, ds.PeerBgpIP) && sameAddr(dl.PeerBgpIP, ds.LocalBgpIP) &&
		sameASN(dl.LocalAsn, ds.PeerAsn) && sameASN(dl.PeerAsn, ds.LocalAsn)
	switch {
	case cloud && device:
		return readingBoth
	case cloud:
		return readingCloud
	case device:
		return readingDevice
	}
	return readingNone
}

func bgpReadings(label string, dl BgpConfig, ds *DescribeBgpConfig) string {
	return fmt.Sprintf("  %s: TunnelCidr %s, LocalAsn %s LocalBgpIp %s, PeerAsn %s PeerBgpIp %s\n"+
		"    DescribeVpnConnection (Local = Alibaba): TunnelCidr %s, Alibaba AS %s %s, this device AS %s %s\n"+
		"    read as Alibaba's side (Local = Alibaba): Alibaba AS %s %s, this device AS %s %s\n"+
		"    read as this device's side (Local = this device): Alibaba AS %s %s, this device AS %s %s",
		label, show(dl.TunnelCidr), asnText(dl.LocalAsn), show(dl.LocalBgpIP), asnText(dl.PeerAsn), show(dl.PeerBgpIP),
		show(ds.TunnelCidr), asnText(ds.LocalAsn), show(ds.LocalBgpIP), asnText(ds.PeerAsn), show(ds.PeerBgpIP),
		asnText(dl.LocalAsn), show(dl.LocalBgpIP), asnText(dl.PeerAsn), show(dl.PeerBgpIP),
		asnText(dl.PeerAsn), show(dl.PeerBgpIP), asnText(dl.LocalAsn), show(dl.LocalBgpIP))
}

func asnText(f FlexInt) string {
	switch {
	case !f.Set:
		return "(empty)"
	case f.Raw != "":
		return fmt.Sprintf("%q", f.Raw)
	}
	return fmt.Sprint(f.Value)
}

// sameAddr compares two addresses; an empty or unparsable one proves
// nothing and matches.
func sameAddr(a, b string) bool {
	x, err1 := netip.ParseAddr(strings.TrimSpace(a))
	y, err2 := netip.ParseAddr(strings.TrimSpace(b))
	if err1 != nil || err2 != nil {
		return true
	}
	return x.Unmap() == y.Unmap()
}

func samePrefix(a, b string) bool {
	x, err1 := netip.ParsePrefix(strings.TrimSpace(a))
	y, err2 := netip.ParsePrefix(strings.TrimSpace(b))
	if err1 != nil || err2 != nil {
		return true
	}
	return x.Masked() == y.Masked()
}

// sameASN compares two AS numbers (asdot accepted); a missing one matches.
func sameASN(a, b FlexInt) bool {
	x, okx := asnValue(a)
	y, oky := asnValue(b)
	return !okx || !oky || x == y
}

func asnValue(f FlexInt) (uint32, bool) {
	if !f.Set {
		return 0, false
	}
	n := normalizer{}
	v := n.asn("", f)
	return v, len(n.errs) == 0
}
