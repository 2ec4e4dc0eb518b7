package render

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vpnexport/vpnexport/vpn"
)

// weakAlgorithms lists the tunnel's weak algorithms (DES, 3DES, MD5,
// groups 1, 2 and 5), each once, in proposal order.
func weakAlgorithms(t vpn.Tunnel) []string {
	var weak []string
	for _, s := range []fmt.Stringer{t.IKE.Cipher, t.IPsec.Cipher, t.IKE.Integrity, t.IPsec.Integrity, t.IKE.DHGroup, t.IPsec.PFS} {
		if w, ok := s.(interface{ Weak() bool }); ok && w.Weak() && !slices.Contains(weak, s.String()) {
			weak = append(weak, s.String())
		}
	}
	return weak
}

// warnWeak is the WARNING for a tunnel with weak algorithms, in the file
// and on stderr.
func (n *fileNotes) warnWeak(t vpn.Tunnel) {
	if weak := weakAlgorithms(t); len(weak) > 0 {
		n.warn(t, fmt.Sprintf("weak algorithms %s: change the connection on Alibaba to AES, SHA-256 and group 14 if you can", strings.Join(weak, ", ")))
	}
}
